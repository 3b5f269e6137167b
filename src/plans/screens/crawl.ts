// The screens plan's crawl: breadth-first over same-origin links, only under the URL prefixes the
// deployment allows (no SSRF), each request with a timeout, a size limit and the run's signal.
import { setTimeout as sleep } from "node:timers/promises";
import { isFetchAllowed, type NodeContext } from "../types";
import { fetchPage } from "./fetch-page";
import { parseScreen } from "./parse-screen";

export interface Screen {
  url: string;
  title: string;
  depth: number;
}

export interface ScreenGraph {
  screens: Screen[];
  edges: { from: string; to: string }[];
}

/** Links of one screen the graph keeps (and the trace carries): enough for any real screen. */
const MAX_LINKS_PER_SCREEN = 50;

export async function crawl(
  ctx: NodeContext<{ startUrl: string; maxScreens: number; maxDepth: number; pageDelayMs: number }>,
): Promise<ScreenGraph> {
  const { startUrl, maxScreens, maxDepth, pageDelayMs } = ctx.input;
  const start = withoutFragment(startUrl);
  const origin = new URL(start).origin;
  // run.start checked it; the settings of the instance executing the run have the last word.
  if (!isFetchAllowed(ctx.settings, start)) throw new Error(`${start} is outside the origins this server may crawl`);
  const queue: { url: string; depth: number }[] = [{ url: start, depth: 0 }];
  const queued = new Set([start]);
  const skipped = new Set<string>();
  const screens: Screen[] = [];
  const links = new Map<string, string[]>();

  const skip = async (url: string, reason: string) => {
    if (skipped.has(url)) return;
    skipped.add(url);
    await ctx.trace("screen.skipped", { url, reason });
  };
  const follow = (url: string, depth: number) => {
    if (queued.has(url)) return;
    queued.add(url);
    queue.push({ url, depth });
  };

  for (let next = queue.shift(); next && screens.length < maxScreens; next = queue.shift()) {
    if (pageDelayMs > 0) await sleep(pageDelayMs, undefined, { signal: ctx.signal });
    ctx.signal.throwIfAborted();
    const { url, depth } = next;
    const page = await fetchPage(url, ctx.signal);
    if (page.kind === "redirect") {
      // Followed like a link, at the same depth, only where a link could go.
      const target = withoutFragment(page.location);
      if (new URL(target).origin !== origin || !isFetchAllowed(ctx.settings, target))
        await skip(url, `redirects to ${target}, which is not crawled`);
      else {
        await skip(url, `redirects to ${target}`);
        follow(target, depth);
      }
      continue;
    }
    if (page.kind === "skipped") {
      await skip(url, page.reason);
      continue;
    }
    const parsed = parseScreen(page.html, url);
    const crawlable: string[] = [];
    for (const link of parsed.links.map(withoutFragment)) {
      if (new URL(link).origin === origin && isFetchAllowed(ctx.settings, link)) {
        if (!crawlable.includes(link) && link !== url) crawlable.push(link);
      } else await skip(link, "outside the origins this server may crawl");
    }
    const kept = crawlable.slice(0, MAX_LINKS_PER_SCREEN);
    screens.push({ url, title: parsed.title, depth });
    links.set(url, kept);
    await ctx.trace("screen.discovered", { url, title: parsed.title, depth, links: kept });
    if (depth < maxDepth) for (const link of kept) follow(link, depth + 1);
  }

  const found = new Set(screens.map((screen) => screen.url));
  const edges = [...links].flatMap(([from, targets]) =>
    targets.filter((to) => found.has(to)).map((to) => ({ from, to })),
  );
  return { screens, edges };
}

function withoutFragment(url: string): string {
  const parsed = new URL(url);
  parsed.hash = "";
  return parsed.href;
}
