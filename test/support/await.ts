import { and, eq, isNull, sql } from "drizzle-orm";
import type { TRPCClient } from "@trpc/client";
import type { AppRouter } from "../../src/server/routers/_app";
import type { Db } from "../../src/db/client";
import { runOutbox } from "../../src/db/schema";
import type { RunEvent } from "../../src/server/events/types";

const DEFAULT_TIMEOUT_MS = 15_000;

/** A `run.events` subscription as an async iterable of events; ends when the server completes it. */
export function subscribeEvents(
  trpc: TRPCClient<AppRouter>,
  input: { runId: string; fromSeq?: number },
): AsyncIterable<RunEvent> & { received: RunEvent[]; unsubscribe(): void } {
  const received: RunEvent[] = [];
  const pending: RunEvent[] = [];
  let done = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const subscription = trpc.run.events.subscribe(input, {
    onData: ({ data }) => {
      received.push(data);
      pending.push(data);
      notify();
    },
    onComplete: () => {
      done = true;
      notify();
    },
    onError: (error) => {
      failure = error;
      done = true;
      notify();
    },
  });
  return {
    received,
    unsubscribe: () => subscription.unsubscribe(),
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = pending.shift();
        if (next) yield next;
        else if (failure) throw failure;
        else if (done) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

/** Collects a stream until it completes; fails with what arrived so far if it does not in time. */
export async function awaitStreamCompletion(
  stream: AsyncIterable<RunEvent>,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `stream did not complete within ${timeoutMs} ms; received seqs [${events.map((e) => e.seq).join(",")}]`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([
      (async () => {
        for await (const event of stream) events.push(event);
      })(),
      timedOut,
    ]);
    return events;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `predicate` holds for the events received so far. */
export async function awaitEvents(
  stream: { received: RunEvent[] },
  predicate: (events: RunEvent[]) => boolean,
  description: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<void> {
  await awaitCondition(
    () => predicate(stream.received),
    description,
    timeoutMs,
    () => `received seqs [${stream.received.map((e) => e.seq).join(",")}]`,
  );
}

/** Waits until the outbox has published every row of the run (the poller alone, no drain). */
export async function awaitOutboxFlush(db: Db, runId: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const unpublished = async () => {
    const [row] = await db
      .select({ count: sql<number>`count(*)::int` })
      .from(runOutbox)
      .where(and(eq(runOutbox.runId, runId), isNull(runOutbox.publishedAt)));
    return row?.count ?? 0;
  };
  let last = -1;
  await awaitCondition(
    async () => (last = await unpublished()) === 0,
    `outbox flush of run ${runId}`,
    timeoutMs,
    () => `${last} rows still unpublished`,
  );
}

/** Re-checks `condition` on a short interval until it holds or the timeout passes. */
export async function awaitCondition(
  condition: () => boolean | Promise<boolean>,
  description: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  detail: () => string = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}. ${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
