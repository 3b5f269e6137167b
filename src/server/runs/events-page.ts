import type { Db } from "../../db/client";
import { readEventsAfter, readEventsBefore } from "../events/read";
import type { RunEvent } from "../events/types";
import type { Run } from "./types";

export interface PageRequest {
  afterSeq?: number | undefined;
  beforeSeq?: number | undefined;
  limit: number;
}

/**
 * One page of a run's stored events, ascending: the page after `afterSeq` (`hasMore`: there are
 * later ones), the page before `beforeSeq`, or with neither the run's last `limit` events (both:
 * there are earlier ones). One more row than asked is read to tell.
 */
export async function eventsPage(
  db: Db,
  run: Run,
  page: PageRequest,
): Promise<{ events: RunEvent[]; hasMore: boolean }> {
  const { limit } = page;
  if (page.afterSeq !== undefined) {
    const events = await readEventsAfter(db, run.id, page.afterSeq, limit + 1);
    return { events: events.slice(0, limit), hasMore: events.length > limit };
  }
  const events = await readEventsBefore(db, run.id, page.beforeSeq ?? run.lastSeq + 1, limit + 1);
  return { events: events.slice(-limit), hasMore: events.length > limit };
}
