import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "../../db/client";
import { isDatabaseUnavailable } from "../../db/errors";
import { isTerminal } from "../../shared/run-status";
import { InvalidRequestError, RunNotFoundError } from "../errors";
import { readEventsAfter, readLogEnd } from "../events/read";
import type { RunEvent } from "../events/types";
import type { RunEventFanout } from "./fanout";
import type { HandOffAnswer } from "./inbox";

// Large enough to make backfill cheap per row, small enough to start yielding quickly.
const BACKFILL_PAGE_SIZE = 1000;

type ReadEvents = typeof readEventsAfter;

const pendingReads = new WeakMap<ReadEvents, WeakMap<Db, Map<string, Promise<RunEvent[]>>>>();

/**
 * Subscribers of one run that attach (or resync) in the same turn of the event loop ask for the
 * same rows: a thousand viewers opening a popular run, or every subscriber after the listener
 * reconnected. They share one query instead of queueing a thousand identical ones for the pool.
 * The query is issued after that turn, so it still starts after every sharer attached its inbox.
 */
function sharedRead(read: ReadEvents, db: Db, runId: string, afterSeq: number, limit: number): Promise<RunEvent[]> {
  let byDb = pendingReads.get(read);
  if (!byDb) pendingReads.set(read, (byDb = new WeakMap()));
  let pending = byDb.get(db);
  if (!pending) byDb.set(db, (pending = new Map<string, Promise<RunEvent[]>>()));
  const key = `${runId}:${afterSeq}:${limit}`;
  let page = pending.get(key);
  if (!page) {
    const inFlight = pending;
    page = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      inFlight.delete(key);
      return read(db, runId, afterSeq, limit);
    });
    pending.set(key, page);
  }
  return page;
}

/**
 * Yields a run's events with seq > afterSeq: the backfill from the table, then live events, each
 * exactly once and in seq order, and returns after RunFinished. The live listener is attached
 * before the backfill is read, so an event committed in between is either in the backfill or in
 * the inbox; duplicates are skipped by seq and gaps are filled from the table.
 *
 * Attaching costs one query when there is something to backfill: a non-empty first page proves the
 * run exists and that afterSeq is not past its end, so the run row is read only when the page is
 * empty (unknown run, fromSeq too far, or a finished run the client has completely).
 *
 * With `deliver`, a caught-up stream yields nothing while it stays caught up: the fan-out calls
 * `deliver` with each next event as it dispatches it (one call per event per subscriber, no promise
 * or generator in between), and the stream only wakes to catch up from the table after a gap or a
 * resync, or to return after RunFinished. Whoever consumes the stream must have sent every event
 * it yielded before asking for the next, so that nothing `deliver` sends overtakes them.
 */
export async function* streamRunEvents(
  deps: { db: Db; fanout: RunEventFanout; readEvents?: typeof readEventsAfter },
  runId: string,
  afterSeq: number,
  signal?: AbortSignal,
  deliver?: ((event: RunEvent) => void) | null,
): AsyncGenerator<RunEvent, void, undefined> {
  const read = deps.readEvents ?? readEventsAfter;
  const readEvents = (afterSeq: number) => sharedRead(read, deps.db, runId, afterSeq, BACKFILL_PAGE_SIZE);
  const inbox = deps.fanout.subscribe(runId);
  try {
    let lastSent = afterSeq;
    let finished = false;

    // Reads the table from lastSent on: the backfill, and whenever live delivery has a gap. While
    // a full page is being yielded, the next one is already being read.
    async function* catchUp(firstPage?: RunEvent[]): AsyncGenerator<RunEvent, void, undefined> {
      let page = firstPage ?? (await untilDatabaseAnswers(() => readEvents(lastSent), signal));
      for (;;) {
        const last = page.at(-1);
        const nextPage =
          page.length === BACKFILL_PAGE_SIZE && last && last.type !== "RunFinished" ? readEvents(last.seq) : null;
        nextPage?.catch(() => {}); // awaited below unless the subscriber leaves first
        for (const event of page) {
          lastSent = event.seq;
          finished = event.type === "RunFinished";
          yield event;
        }
        if (!nextPage || finished) return;
        page = await nextPage.catch(() => untilDatabaseAnswers(() => readEvents(lastSent), signal));
      }
    }

    const firstPage = await readEvents(afterSeq);
    if (firstPage.length > 0) {
      yield* catchUp(firstPage);
    } else {
      const run = await readLogEnd(deps.db, runId);
      if (!run) throw new RunNotFoundError(runId);
      if (afterSeq > run.lastSeq) {
        throw new InvalidRequestError(`fromSeq ${afterSeq} is beyond the run's last event (seq ${run.lastSeq})`);
      }
      // A finished run whose RunFinished the client already has: nothing more will ever come.
      if (isTerminal(run.status) && afterSeq >= run.lastSeq) return;
    }

    // The next live event, delivered where the fan-out dispatches it; a gap is left to the reader.
    const receive = (event: RunEvent): HandOffAnswer => {
      if (event.seq <= lastSent) return "taken";
      if (event.seq !== lastSent + 1 || !deliver) return "refused";
      deliver(event);
      lastSent = event.seq;
      finished = event.type === "RunFinished";
      return finished ? "last" : "taken";
    };

    while (!finished) {
      if (deliver && (await inbox.handOffUntilEnd(receive, signal)) === "done") return;
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

// Longest pause between tries while the database is unreachable.
const MAX_RETRY_PAUSE_MS = 1_000;

/**
 * A read for a stream that is already flowing: while the database is unreachable it is tried
 * again (every second at most), so the subscriber catches up soon after the database returns
 * instead of losing its subscription. Other errors, and the subscriber leaving, end it.
 */
async function untilDatabaseAnswers<T>(read: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, MAX_RETRY_PAUSE_MS)) {
    try {
      return await read();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || signal?.aborted) throw error;
      await sleep(pauseMs, undefined, signal ? { signal } : {});
    }
  }
}
