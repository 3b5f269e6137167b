import { TRPCError } from "@trpc/server";
import type { Db } from "../../db/client";
import type { RunEventFanout } from "../outbox/fanout";
import { findRun, readEventsAfter } from "./queries";
import { isTerminal, type RunEvent } from "./types";

// Large enough to make backfill cheap per row, small enough to start yielding quickly.
const BACKFILL_PAGE_SIZE = 1000;

/**
 * Yields a run's events with seq > afterSeq: the backfill from the table, then live events, each
 * exactly once and in seq order, and returns after RunFinished. The live listener is attached
 * before the backfill is read, so an event committed in between is either in the backfill or in
 * the inbox; duplicates are skipped by seq and gaps are filled from the table.
 *
 * Attaching costs one query when there is something to backfill: a non-empty first page proves the
 * run exists and that afterSeq is not past its end, so the run row is read only when the page is
 * empty (unknown run, fromSeq too far, or a finished run the client has completely).
 */
export async function* streamRunEvents(
  deps: { db: Db; fanout: RunEventFanout; readEvents?: typeof readEventsAfter },
  runId: string,
  afterSeq: number,
  signal?: AbortSignal,
): AsyncGenerator<RunEvent, void, undefined> {
  const readEvents = deps.readEvents ?? readEventsAfter;
  const inbox = deps.fanout.subscribe(runId);
  try {
    let lastSent = afterSeq;
    let finished = false;

    // Reads the table from lastSent on: the backfill, and whenever live delivery has a gap. While
    // a full page is being yielded, the next one is already being read.
    async function* catchUp(firstPage?: RunEvent[]): AsyncGenerator<RunEvent, void, undefined> {
      let page = firstPage ?? (await readEvents(deps.db, runId, lastSent, BACKFILL_PAGE_SIZE));
      for (;;) {
        const last = page.at(-1);
        const nextPage =
          page.length === BACKFILL_PAGE_SIZE && last && last.type !== "RunFinished"
            ? readEvents(deps.db, runId, last.seq, BACKFILL_PAGE_SIZE)
            : null;
        nextPage?.catch(() => {}); // awaited below unless the subscriber leaves first
        for (const event of page) {
          lastSent = event.seq;
          finished = event.type === "RunFinished";
          yield event;
        }
        if (!nextPage || finished) return;
        page = await nextPage;
      }
    }

    const firstPage = await readEvents(deps.db, runId, afterSeq, BACKFILL_PAGE_SIZE);
    if (firstPage.length > 0) {
      yield* catchUp(firstPage);
    } else {
      const run = await findRun(deps.db, runId);
      if (!run) throw new TRPCError({ code: "NOT_FOUND", message: `run ${runId} not found` });
      if (afterSeq > run.lastSeq) {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: `fromSeq ${afterSeq} is beyond the run's last event (seq ${run.lastSeq})`,
        });
      }
      // A finished run whose RunFinished the client already has: nothing more will ever come.
      if (isTerminal(run.status) && afterSeq >= run.lastSeq) return;
    }

    while (!finished) {
      const item = await inbox.next(signal);
      if (!item) return;
      if (item.kind === "resync" || item.event.seq > lastSent + 1) {
        yield* catchUp();
      } else if (item.event.seq === lastSent + 1) {
        lastSent = item.event.seq;
        finished = item.event.type === "RunFinished";
        yield item.event;
      }
    }
  } finally {
    inbox.close();
  }
}
