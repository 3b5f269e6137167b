import type { Db } from "../../db/client";
import { scanEvents, type EventFilter } from "../events/read";
import { readEventsPageJson } from "../events/read-json";
import type { RunEvent } from "../events/types";
import type { Run } from "./types";

export interface PageRequest extends EventFilter {
  afterSeq?: number | undefined;
  beforeSeq?: number | undefined;
  limit: number;
}

/** Bounds of a filtered page: types named, text length, and events examined per request. */
export const EVENTS_FILTER_LIMITS = { maxTypes: 20, maxTypeLength: 64, maxTextLength: 200, scanEvents: 5_000 } as const;

export interface EventsPage {
  events: RunEvent[];
  hasMore: boolean;
  /** Filtered pages only: the last seq examined; the next page goes on from it (as afterSeq or beforeSeq). */
  scannedTo?: number;
}

/** Puts JSON text into an HTTP answer as it is (trpc/raw-json.ts's splicer). */
export interface JsonPassThrough {
  hold<T>(json: string): T;
}

/**
 * One page of a run's stored events, ascending: the page after `afterSeq` (`hasMore`: there are
 * later ones), the page before `beforeSeq`, or with neither the run's last `limit` events (both:
 * there are earlier ones). Postgres makes the page's JSON text: over HTTP (`passThrough`) it goes
 * into the answer as it is; elsewhere (a WebSocket call, the server's own) it is parsed.
 */
export async function eventsPage(
  db: Db,
  run: Run,
  page: PageRequest,
  passThrough: JsonPassThrough | null = null,
): Promise<EventsPage> {
  if (page.types?.length || page.text) return filteredPage(db, run, page);
  const from =
    page.afterSeq !== undefined ? { afterSeq: page.afterSeq } : { beforeSeq: page.beforeSeq ?? run.lastSeq + 1 };
  const { json, hasMore } = await readEventsPageJson(db, run.id, from, page.limit);
  const events = passThrough ? passThrough.hold<RunEvent[]>(json) : (JSON.parse(json) as RunEvent[]);
  return { events, hasMore };
}

/**
 * A filtered page: the matches among the next EVENTS_FILTER_LIMITS.scanEvents events from the
 * cursor (a run's matches may be far apart: a page may hold none and still have more after it).
 * `hasMore`: the scan stopped before the run's end in that direction.
 */
async function filteredPage(db: Db, run: Run, page: PageRequest): Promise<EventsPage> {
  const filter = { types: page.types, text: page.text };
  const scan = EVENTS_FILTER_LIMITS.scanEvents;
  const from: { afterSeq: number } | { beforeSeq: number } =
    page.afterSeq !== undefined ? { afterSeq: page.afterSeq } : { beforeSeq: page.beforeSeq ?? run.lastSeq + 1 };
  const found = await scanEvents(db, run.id, from, filter, scan, page.limit + 1);
  const ascending = "afterSeq" in from;
  if (found.matches.length > page.limit) {
    // More matches than asked within the scan: the next page starts after the last one returned.
    const events = ascending ? found.matches.slice(0, page.limit) : found.matches.slice(-page.limit);
    return { events, hasMore: true, scannedTo: (ascending ? events.at(-1) : events[0])!.seq };
  }
  const start = "afterSeq" in from ? from.afterSeq : from.beforeSeq;
  const scannedTo = found.scanEnd ?? start;
  const hasMore = found.scanned === scan && (ascending ? scannedTo < run.lastSeq : scannedTo > 1);
  return { events: found.matches, hasMore, scannedTo };
}
