// One subscriber's stream of a run's events: the attach, the backfill (yielded, or written to the
// socket a page at a time), the merge with live events and the hand-off to the fan-out all move one
// position (lastSent), and the argument that each event goes out once and in order reads in one place.
import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "../../db/client";
import { isDatabaseUnavailable } from "../../db/errors";
import { isTerminal } from "../../shared/run-status";
import { InvalidRequestError, RunNotFoundError } from "../errors";
import { readEventsAfter, readLogEnd } from "../events/read";
import { readEventJsonAfter, type EventJson } from "../events/read-json";
import type { RunEvent } from "../events/types";
import type { BackfillWriter } from "./backfill-frames";
import type { RunEventFanout } from "./fanout";
import type { HandOffAnswer, RunEventInbox } from "./inbox";
import { sharedRead, type PageRead } from "./shared-read";

// Large enough to make backfill cheap per row, small enough to start yielding quickly.
const BACKFILL_PAGE_SIZE = 1000;

// Longest pause between tries while the database is unreachable.
const MAX_RETRY_PAUSE_MS = 1_000;

/** What a subscription to a run's events may add to its stream (see streamRunEvents). */
export interface StreamOptions<T> {
  /** Writes a live event straight to the subscriber, in the fan-out's dispatch. */
  deliver?: ((event: RunEvent) => void) | null;
  /**
   * Writes the backfill (and any catch-up from the table) straight to the subscriber, a page at a
   * time, waiting while its socket holds more than it should.
   */
  backfill?: BackfillWriter | null;
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
 * resync, or to return after RunFinished. With `backfill`, what the stream reads from the table is
 * written through it, a page at a time (one loop over the page, no generator or tRPC message per
 * event); with both, the stream yields nothing at all. Whoever consumes the stream must
 * have sent every event it yielded before asking for the next, so that nothing `deliver` sends
 * overtakes them; the stream only runs while its consumer waits for its next item, after tRPC has
 * sent the subscription's `started`.
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
  const stream = new RunEventStream(deps, runId, afterSeq, signal, options.deliver ?? null, options.backfill ?? null);
  const { inbox } = stream;
  try {
    let backfilled: boolean;
    if (stream.writesPages) backfilled = await stream.writeCatchUp(stream.readJson(afterSeq));
    else {
      const firstPage = await stream.read(afterSeq);
      for await (const event of stream.catchUp(firstPage)) yield envelope(event);
      backfilled = firstPage.length > 0;
    }
    if (!backfilled) {
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
        if (stream.writesPages) await stream.writeCatchUp();
        else for await (const event of stream.catchUp()) yield envelope(event);
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
  private readonly readPage: PageRead<RunEvent>;

  constructor(
    private readonly deps: { db: Db; fanout: RunEventFanout; readEvents?: typeof readEventsAfter },
    private readonly runId: string,
    afterSeq: number,
    private readonly signal: AbortSignal | undefined,
    readonly deliver: ((event: RunEvent) => void) | null,
    private readonly backfill: BackfillWriter | null,
  ) {
    this.readPage = deps.readEvents ?? readEventsAfter;
    this.lastSent = afterSeq;
    this.inbox = deps.fanout.subscribe(runId);
  }

  read(afterSeq: number): Promise<RunEvent[]> {
    return sharedRead(this.readPage, this.deps.db, this.runId, afterSeq, BACKFILL_PAGE_SIZE);
  }

  /** The page as JSON text (events/read-json.ts), for the backfill writer. */
  readJson(afterSeq: number): Promise<EventJson[]> {
    return sharedRead(readEventJsonAfter, this.deps.db, this.runId, afterSeq, BACKFILL_PAGE_SIZE);
  }

  /** Catch-ups are written to the socket a page at a time rather than yielded event by event. */
  get writesPages(): boolean {
    return this.backfill !== null;
  }

  /** Reads the table from lastSent on, yielding each event: the backfill, and whenever live delivery has a gap. */
  async *catchUp(firstPage?: RunEvent[]): AsyncGenerator<RunEvent, void, undefined> {
    const pages = this.pages((afterSeq) => this.read(afterSeq), isRunFinished, firstPage);
    for await (const page of pages) {
      for (const event of page) {
        this.lastSent = event.seq;
        this.finished = event.type === "RunFinished";
        yield event;
      }
    }
  }

  /**
   * catchUp, written by the backfill writer from the events' JSON: a page's frames go out in a few
   * writes, with no object, generator step or tRPC message per event. Between chunks of frames the
   * socket's backlog is checked, and after each page the stream waits for the socket to drain, so a
   * backfill never runs ahead of its reader by more than a page, and the socket guard never sees
   * the backfill's own backlog. A subscriber that leaves (or whose credential lapses: the signal
   * aborts) stops it at once. `firstPage` (the attach's read) is not retried through an outage;
   * false when it was empty.
   */
  async writeCatchUp(firstPage?: Promise<EventJson[]>): Promise<boolean> {
    const { signal } = this;
    const backfill = this.backfill!;
    const pages = this.pages((afterSeq) => this.readJson(afterSeq), isLastJson, await firstPage);
    let wrote = false;
    for await (const page of pages) {
      for (let index = 0; index < page.length;) {
        if (backfill.full()) await backfill.drained(signal);
        if (signal?.aborted) return true;
        index = backfill.write(page, index);
        const sent = page[index - 1]!;
        this.lastSent = sent.seq;
        this.finished = sent.last;
        wrote = true;
      }
      await backfill.drained(signal);
    }
    return wrote;
  }

  /**
   * The table's events from lastSent on, a page at a time, until the last page or RunFinished. While
   * a full page is being sent, the next one is already being read.
   */
  private async *pages<E extends { seq: number }>(
    read: (afterSeq: number) => Promise<E[]>,
    isLast: (event: E) => boolean,
    firstPage?: E[],
  ): AsyncGenerator<E[], void, undefined> {
    let page = firstPage ?? (await this.readThroughOutage(read));
    for (;;) {
      const last = page.at(-1);
      const nextPage = page.length === BACKFILL_PAGE_SIZE && last && !isLast(last) ? read(last.seq) : null;
      nextPage?.catch(() => {}); // awaited below unless the subscriber leaves first
      if (page.length > 0) yield page;
      if (!nextPage || this.finished || this.signal?.aborted) return;
      page = await nextPage.catch(() => this.readThroughOutage(read));
    }
  }

  /**
   * A read for a stream that is already flowing: while the database is unreachable it is tried
   * again (every second at most), so the subscriber catches up soon after the database returns
   * instead of losing its subscription. Other errors, and the subscriber leaving, end it.
   */
  private async readThroughOutage<E>(read: (afterSeq: number) => Promise<E[]>): Promise<E[]> {
    const { signal } = this;
    for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, MAX_RETRY_PAUSE_MS)) {
      try {
        return await read(this.lastSent);
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

const isRunFinished = (event: RunEvent) => event.type === "RunFinished";
const isLastJson = (event: EventJson) => event.last;
