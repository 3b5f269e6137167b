import type { TRPCClient } from "@trpc/client";
import type { AppRouter, Run, RunEvent, TerminalStatus } from "./contract.js";
import type { RunEventsSource } from "./run-events-socket.js";

export interface SubscribeOptions {
  /** The last seq the caller already has: events after it are yielded (default 0: all of them). */
  fromSeq?: number | undefined;
  /** Ends the iteration: the iterator rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/**
 * A run's events as an async iterator: the stored ones after `fromSeq`, then live ones, each once
 * and in seq order, ending after RunFinished. A dropped connection is resumed from the last event
 * (tRPC sends its seq as lastEventId); the iterator rejects when the client gives up (see
 * connectTimeoutMs and reconnectForMs) or the server refuses the subscription (e.g. NOT_FOUND).
 * Leaving the loop early unsubscribes.
 */
export async function* subscribeToRun(
  source: RunEventsSource,
  runId: string,
  options: SubscribeOptions = {},
): AsyncGenerator<RunEvent, void, undefined> {
  const { fromSeq, signal } = options;
  signal?.throwIfAborted();
  // Events arrive as the socket delivers them; the loop below hands them out as they are asked for.
  const received: RunEvent[] = [];
  let end: { failed: false } | { failed: true; error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const unsubscribe = source(fromSeq === undefined ? { runId } : { runId, fromSeq }, {
    onEvent: (event) => {
      received.push(event);
      notify();
    },
    onError: (error) => {
      end ??= { failed: true, error };
      notify();
    },
    onComplete: () => {
      end ??= { failed: false };
      notify();
    },
  });
  const onAbort = () => {
    end ??= { failed: true, error: signal?.reason };
    notify();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    let lastSeq = fromSeq ?? 0;
    for (;;) {
      if (end?.failed) throw end.error;
      const event = received.shift();
      if (event) {
        // The server sends each event once; this keeps that true across any resume.
        if (event.seq <= lastSeq) continue;
        lastSeq = event.seq;
        yield event;
        if (event.type === "RunFinished") return;
      } else if (end) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    unsubscribe();
  }
}

const TERMINAL: readonly string[] = ["succeeded", "failed", "cancelled"] satisfies TerminalStatus[];

/** Resolves with the run once it finished (succeeded, failed or cancelled), waiting for its RunFinished. */
export async function waitForRun(
  trpc: TRPCClient<AppRouter>,
  source: RunEventsSource,
  runId: string,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<Run> {
  const { signal } = options;
  const run = await trpc.run.get.query({ runId }, signal ? { signal } : {});
  if (TERMINAL.includes(run.status)) return run;
  for await (const event of subscribeToRun(source, runId, { fromSeq: run.lastSeq, signal })) {
    if (event.type === "RunFinished") break;
  }
  // RunFinished and the run's final state are written together: this read sees it finished.
  return trpc.run.get.query({ runId }, signal ? { signal } : {});
}
