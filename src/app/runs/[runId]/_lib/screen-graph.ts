import type { RunEvent } from "../../../_trpc/types";

export interface GraphScreen {
  url: string;
  title: string;
  depth: number;
  /** The seq of the event that discovered it. */
  seq: number;
}

export interface ScreenGraph {
  screens: GraphScreen[];
  edges: { from: string; to: string }[];
}

interface Discovered {
  url: string;
  title: string;
  depth: number;
  links: string[];
}

function discovered(event: RunEvent): Discovered | null {
  if (event.type !== "DebugTrace" || event.fn !== "screen.discovered" || !event.data) return null;
  const { url, title, depth, links } = event.data;
  if (typeof url !== "string" || typeof depth !== "number") return null;
  return {
    url,
    title: typeof title === "string" ? title : url,
    depth,
    links: Array.isArray(links) ? links.filter((link): link is string => typeof link === "string") : [],
  };
}

/**
 * The screen graph as the events tell it so far: one screen per `screen.discovered` trace, and an
 * edge for each link between two discovered screens. A resumed crawl traces a screen again: the
 * first one counts.
 */
export function screenGraphOf(events: readonly RunEvent[]): ScreenGraph {
  const screens = new Map<string, GraphScreen>();
  const links: [string, string[]][] = [];
  for (const event of events) {
    const found = discovered(event);
    if (!found || screens.has(found.url)) continue;
    screens.set(found.url, { url: found.url, title: found.title, depth: found.depth, seq: event.seq });
    links.push([found.url, found.links]);
  }
  const edges = links.flatMap(([from, targets]) =>
    [...new Set(targets)].filter((to) => to !== from && screens.has(to)).map((to) => ({ from, to })),
  );
  return { screens: [...screens.values()], edges };
}

/** The seqs of the events about one screen: its discovery and any skip of the same URL. */
export function seqsAbout(events: readonly RunEvent[], url: string): Set<number> {
  const seqs = new Set<number>();
  for (const event of events) if (event.type === "DebugTrace" && event.data?.url === url) seqs.add(event.seq);
  return seqs;
}
