import type { TRPCClient } from "@trpc/client";
import type { AppRouter, EventsPage, RunEvent } from "./contract.js";

/** run.eventsPage's largest page. */
const PAGE_EVENTS = 1_000;
// Pages asked for before the one being read arrives: the server reads and encodes the next pages
// while the caller handles this one. A run's seqs are contiguous, so a full page after seq n ends
// at n + 1,000 and the next one's cursor is known before it arrives. Four calls in flight at most:
// one reader does not hold much of the server's database pool.
const PAGES_AHEAD = 3;

export interface ReadPagesOptions {
  /** The last seq the caller already has: events after it are read (default 0: all of them). */
  afterSeq?: number | undefined;
  /** Ends the reading: the iterator rejects with the signal's reason, and calls in flight are aborted. */
  signal?: AbortSignal | undefined;
}

/**
 * A run's stored events after `afterSeq`, a page of up to 1,000 at a time (`run.eventsPage`), in
 * seq order, with the next pages asked for while the caller handles one. Ends with the last event
 * stored when its page was read; does not wait for more (`subscribeToRun` does). Leaving the loop
 * early aborts the calls in flight.
 */
export async function* readEventPages(
  trpc: TRPCClient<AppRouter>,
  runId: string,
  options: ReadPagesOptions = {},
): AsyncGenerator<RunEvent[], void, undefined> {
  options.signal?.throwIfAborted();
  // Each call has a signal of its own: tRPC keeps a listener on a call's signal for good, so one
  // signal shared by every page would gather a listener per page.
  const asked: { afterSeq: number; page: Promise<EventsPage>; call: AbortController }[] = [];
  const abortAsked = (reason?: unknown) => asked.forEach(({ call }) => call.abort(reason));
  const onAbort = () => abortAsked(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let nextAfter = options.afterSeq ?? 0;
  const ask = () => {
    const call = new AbortController();
    const page = trpc.run.eventsPage.query({ runId, afterSeq: nextAfter, limit: PAGE_EVENTS }, { signal: call.signal });
    // Awaited in turn below; a page asked for ahead and no longer wanted must not be an unhandled rejection.
    page.catch(() => {});
    asked.push({ afterSeq: nextAfter, page, call });
    nextAfter += PAGE_EVENTS;
  };
  try {
    for (;;) {
      while (asked.length <= PAGES_AHEAD) ask();
      const { afterSeq, page } = asked.shift()!;
      const { events, hasMore } = await page.catch((error: unknown) => {
        throw options.signal?.aborted ? options.signal.reason : error;
      });
      if (events.length > 0) yield events;
      if (!hasMore) return;
      // More follow only a full page; should one not be (a server that pages differently), the
      // pages asked ahead start at the wrong seq: ask again from this page's end.
      const last = events.at(-1)?.seq ?? afterSeq;
      if (last !== afterSeq + PAGE_EVENTS) {
        abortAsked();
        asked.length = 0;
        nextAfter = last;
      }
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    abortAsked();
  }
}
