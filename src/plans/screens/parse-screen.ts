import { parse, type DefaultTreeAdapterMap } from "parse5";

type Node = DefaultTreeAdapterMap["node"];
type Element = DefaultTreeAdapterMap["element"];

/** A page's title (its <title>, else its first <h1>, else its URL's path) and the absolute http(s) URLs it links to. */
export function parseScreen(html: string, url: string): { title: string; links: string[] } {
  const document = parse(html);
  let title = "";
  let heading = "";
  let base = url;
  const hrefs: string[] = [];
  const visit = (node: Node) => {
    if ("tagName" in node) {
      const element = node;
      if (element.tagName === "title" && !title) title = textOf(element);
      else if (element.tagName === "h1" && !heading) heading = textOf(element);
      else if (element.tagName === "base") base = resolved(attribute(element, "href"), url) ?? base;
      else if (element.tagName === "a") {
        const href = attribute(element, "href");
        if (href !== undefined) hrefs.push(href);
      }
    }
    if ("childNodes" in node) for (const child of node.childNodes) visit(child);
    if ("content" in node && node.content) visit(node.content);
  };
  visit(document);
  const links = [
    ...new Set(hrefs.map((href) => resolved(href, base)).filter((link): link is string => link !== undefined)),
  ];
  return { title: (title || heading || new URL(url).pathname).slice(0, 200), links };
}

function attribute(element: Element, name: string): string | undefined {
  return element.attrs.find((attr) => attr.name === name)?.value;
}

function textOf(node: Node): string {
  if (node.nodeName === "#text") return (node as DefaultTreeAdapterMap["textNode"]).value;
  const text = "childNodes" in node ? node.childNodes.map(textOf).join("") : "";
  return text.replace(/\s+/g, " ").trim();
}

/** An absolute http(s) URL for `href`, or undefined (mailto:, javascript:, unparseable). */
function resolved(href: string | undefined, base: string): string | undefined {
  if (href === undefined) return undefined;
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}
