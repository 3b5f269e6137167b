// A generated web app for the screens plan to crawl: a shop of 226 linked HTML pages served from
// the bench process on an ephemeral port. Every page has a navigation bar (home, about, help,
// cart and the 6 categories) and a footer link to another site; deeper pages link down the tree
// (category → 4 sections → 8 items each) and across it (breadcrumbs, previous/next item, a
// related item in another category). Breadth-first from home, a 200-screen crawl finds 1 screen
// at depth 0, 15 at depth 1, 66 at depth 2 and 118 at depth 3 (it stops part-way through the
// items), with 2,822 links between them.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const CATEGORIES = ["Tents", "Packs", "Sleeping", "Cooking", "Clothing", "Navigation"];
const SECTIONS_PER_CATEGORY = 4;
const ITEMS_PER_SECTION = 8;
const TOP_PAGES = [
  ["/about", "About"],
  ["/help", "Help"],
  ["/cart", "Cart"],
] as const;
const SITE = "Ridgeline Supply";

const categoryPath = (c: number) => `/c/${c}/`;
const sectionPath = (c: number, s: number) => `/c/${c}/s/${s}/`;
const itemPath = (c: number, s: number, i: number) => `/c/${c}/s/${s}/i/${i}`;
const sectionName = (c: number, s: number) => `${CATEGORIES[c]} ${["Basics", "Pro", "Ultralight", "Sale"][s]}`;
const itemName = (c: number, s: number, i: number) => `${sectionName(c, s)} #${i + 1}`;

interface Page {
  title: string;
  links: [string, string][];
}

function nav(): [string, string][] {
  return [
    ["/", "Home"],
    ...TOP_PAGES.map(([path, name]): [string, string] => [path, name]),
    ...CATEGORIES.map((name, c): [string, string] => [categoryPath(c), name]),
  ];
}

/** Every page of the site by path. */
export function sitePages(): Map<string, Page> {
  const pages = new Map<string, Page>();
  pages.set("/", {
    title: `Home · ${SITE}`,
    links: CATEGORIES.map((_, c): [string, string] => [sectionPath(c, 0), `New in ${sectionName(c, 0)}`]),
  });
  for (const [path, name] of TOP_PAGES) pages.set(path, { title: `${name} · ${SITE}`, links: [] });
  CATEGORIES.forEach((name, c) => {
    const sections = Array.from({ length: SECTIONS_PER_CATEGORY }, (_, s): [string, string] => [
      sectionPath(c, s),
      sectionName(c, s),
    ]);
    pages.set(categoryPath(c), { title: `${name} · ${SITE}`, links: sections });
    for (let s = 0; s < SECTIONS_PER_CATEGORY; s += 1) {
      const items = Array.from({ length: ITEMS_PER_SECTION }, (_, i): [string, string] => [
        itemPath(c, s, i),
        itemName(c, s, i),
      ]);
      pages.set(sectionPath(c, s), {
        title: `${sectionName(c, s)} · ${SITE}`,
        links: [[categoryPath(c), name], ...items],
      });
      for (let i = 0; i < ITEMS_PER_SECTION; i += 1) {
        const prev = (i + ITEMS_PER_SECTION - 1) % ITEMS_PER_SECTION;
        const next = (i + 1) % ITEMS_PER_SECTION;
        const other = (c + 1 + (i % (CATEGORIES.length - 1))) % CATEGORIES.length;
        pages.set(itemPath(c, s, i), {
          title: `${itemName(c, s, i)} · ${SITE}`,
          links: [
            [categoryPath(c), name],
            [sectionPath(c, s), sectionName(c, s)],
            [itemPath(c, s, prev), "Previous"],
            [itemPath(c, s, next), "Next"],
            [itemPath(other, s, i), `Related: ${itemName(other, s, i)}`],
          ],
        });
      }
    }
  });
  return pages;
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

function html(page: Page): string {
  const anchors = (links: [string, string][]) =>
    links.map(([href, text]) => `<li><a href="${escape(href)}">${escape(text)}</a></li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(page.title)}</title></head>
<body>
<nav><ul>${anchors(nav())}</ul></nav>
<main><h1>${escape(page.title.split(" · ")[0]!)}</h1><ul>${anchors(page.links)}</ul>
<p>${"Gear for the trail, tested by people who walk it. ".repeat(8)}</p></main>
<footer><a href="https://example.com/partners">Partners</a></footer>
</body></html>`;
}

export interface Site {
  origin: string;
  startUrl: string;
  pageCount: number;
  /** Pages served so far (crawl requests). */
  requests(): number;
  close(): Promise<void>;
}

/** Serves the site on 127.0.0.1 on a port the system picks. */
export async function serveSite(): Promise<Site> {
  const pages = new Map([...sitePages()].map(([path, page]) => [path, html(page)]));
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests += 1;
    const body = pages.get(new URL(req.url ?? "/", "http://site").pathname);
    if (body === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    startUrl: `${origin}/`,
    pageCount: pages.size,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
