import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "../../db/client";
import { isDatabaseUnavailable } from "../../db/errors";
import { isTerminal } from "../../shared/run-status";
import { InvalidRequestError, RunNotFoundError } from "../errors";
import { readEventsAfter, readLogEnd } from "../events/read";
import type { RunEvent } from "../events/types";
import type { RunEventFanout } from "./fanout";
import type { HandOffAnswer, RunEventInbox } from "./inbox";

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

// Longest pause between tries while the database is unreachable.
const MAX_RETRY_PAUSE_MS = 1_000;

/** What a subscription to a run's events may add to its stream (see streamRunEvents). */
export interface StreamOptions<T> {
  /** Writes a live event straight to the subscriber, in the fan-out's dispatch. */
  deliver?: ((event: RunEvent) => void) | null;
  /** Awaited first, before anything is read or attached (e.g. the caller's right to read the run). */
  authorize?: (runId: string) => Promise<unknown>;
  /** What is yielded for each event (e.g. tRPC's tracked envelope); the event itself by default. */
  envelope?: (event: RunEvent) => T;
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
export async function* streamRunEvents<T = RunEvent>(
  deps: { db: Db; fanout: RunEventFanout; readEvents?: typeof readEventsAfter },
  runId: string,
  afterSeq: number,
  signal?: AbortSignal,
  options: StreamOptions<T> = {},
): AsyncGenerator<T, void, undefined> {
  await options.authorize?.(runId);
  const envelope = options.envelope ?? ((event: RunEvent) => event as T);
  // Everything a subscriber holds while idle is here and in the inbox: one generator, no closures.
  const stream = new RunEventStream(deps, runId, afterSeq, signal, options.deliver ?? null);
  const { inbox } = stream;
  try {
    const firstPage = await stream.read(afterSeq);
    if (firstPage.length > 0) {
      for await (const event of stream.catchUp(firstPage)) yield envelope(event);
    } else {
      const run = await readLogEnd(deps.db, runId);
      if (!run) throw new RunNotFoundError(runId);
      if (afterSeq > run.lastSeq) {
        throw new InvalidRequestError(`fromSeq ${afterSeq} is beyond the run's last event (seq ${run.lastSeq})`);
      }
      // A finished run whose RunFinished the client already has: nothing more will ever come.
      if (isTerminal(run.status) && afterSeq >= run.lastSeq) return;
    }

    while (!stream.finished) {
      if (stream.deliver && (await inbox.handOffUntilEnd(stream, signal)) === "done") return;
      const item = await inbox.next(signal);
      if (!item) return;
      if (item.kind === "resync" || item.event.seq > stream.lastSent + 1) {
        for await (const event of stream.catchUp()) yield envelope(event);
      } else if (item.event.seq === stream.lastSent + 1) {
        stream.lastSent = item.event.seq;
        stream.finished = item.event.type === "RunFinished";
        yield envelope(item.event);
      }
    }
  } finally {
    inbox.close();
  }
}

/**
 * One subscriber's position in a run's events. Its state lives on one object with methods, not in
 * closures: an idle subscriber holds little, and thousands of them hold it each.
 */
class RunEventStream {
  readonly inbox: RunEventInbox;
  lastSent: number;
  finished = false;
  private readonly readPage: ReadEvents;

  constructor(
    private readonly deps: { db: Db; fanout: RunEventFanout; readEvents?: typeof readEventsAfter },
    private readonly runId: string,
    afterSeq: number,
    private readonly signal: AbortSignal | undefined,
    readonly deliver: ((event: RunEvent) => void) | null,
  ) {
    this.readPage = deps.readEvents ?? readEventsAfter;
    this.lastSent = afterSeq;
    this.inbox = deps.fanout.subscribe(runId);
  }

  read(afterSeq: number): Promise<RunEvent[]> {
    return sharedRead(this.readPage, this.deps.db, this.runId, afterSeq, BACKFILL_PAGE_SIZE);
  }

  /**
   * Reads the table from lastSent on: the backfill, and whenever live delivery has a gap. While a
   * full page is being yielded, the next one is already being read.
   */
  async *catchUp(firstPage?: RunEvent[]): AsyncGenerator<RunEvent, void, undefined> {
    let page = firstPage ?? (await this.readThroughOutage(this.lastSent));
    for (;;) {
      const last = page.at(-1);
      const nextPage =
        page.length === BACKFILL_PAGE_SIZE && last && last.type !== "RunFinished" ? this.read(last.seq) : null;
      nextPage?.catch(() => {}); // awaited below unless the subscriber leaves first
      for (const event of page) {
        this.lastSent = event.seq;
        this.finished = event.type === "RunFinished";
        yield event;
      }
      if (!nextPage || this.finished) return;
      page = await nextPage.catch(() => this.readThroughOutage(this.lastSent));
    }
  }

  /**
   * A read for a stream that is already flowing: while the database is unreachable it is tried
   * again (every second at most), so the subscriber catches up soon after the database returns
   * instead of losing its subscription. Other errors, and the subscriber leaving, end it.
   */
  private async readThroughOutage(afterSeq: number): Promise<RunEvent[]> {
    const { signal } = this;
    for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, MAX_RETRY_PAUSE_MS)) {
      try {
        return await this.read(afterSeq);
      } catch (error) {
        if (!isDatabaseUnavailable(error) || signal?.aborted) throw error;
        await sleep(pauseMs, undefined, signal ? { signal } : {});
      }
    }
  }

  /** The inbox's hand-off: the next live event is delivered where the fan-out dispatches it; a gap is left to live(). */
  receive(event: RunEvent): HandOffAnswer {
    if (event.seq <= this.lastSent) return "taken";
    if (event.seq !== this.lastSent + 1 || !this.deliver) return "refused";
    this.deliver(event);
    this.lastSent = event.seq;
    this.finished = event.type === "RunFinished";
    return this.finished ? "last" : "taken";
  }
}
