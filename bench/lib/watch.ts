import type { RunEvent, RunsClient } from "@live-runs/client";
import { preciseNow } from "./stats";

export interface Watched {
  events: number;
  /** When the server acknowledged the subscription (arrival of tRPC's `started`), epoch ms. */
  startedAt: number;
  /** Non-null when the stream broke a guarantee (gap, duplicate, reorder, no RunFinished) or failed. */
  problem: string | null;
}

/**
 * Subscribes to `run.events` through the real tRPC WebSocket client and resolves when the server
 * completes the stream, checking that seqs arrive exactly once and in order.
 */
export function watchRun(
  trpc: RunsClient["trpc"],
  runId: string,
  options: {
    fromSeq?: number;
    onStarted?: () => void;
    onEvent?: (event: RunEvent, arrivedAt: number, startedAt: number) => void;
  } = {},
): Promise<Watched> {
  return new Promise((resolve) => {
    let expected = (options.fromSeq ?? 0) + 1;
    let startedAt = Number.NaN;
    let events = 0;
    let problem: string | null = null;
    let finished = false;
    trpc.run.events.subscribe(
      { runId, ...(options.fromSeq === undefined ? {} : { fromSeq: options.fromSeq }) },
      {
        onStarted: () => {
          startedAt = preciseNow();
          options.onStarted?.();
        },
        onData: ({ data: event }) => {
          const arrivedAt = preciseNow();
          events += 1;
          if (event.seq !== expected) problem ??= `run ${runId}: expected seq ${expected}, got ${event.seq}`;
          expected = event.seq + 1;
          finished = event.type === "RunFinished";
          options.onEvent?.(event, arrivedAt, startedAt);
        },
        onComplete: () => {
          if (!finished) problem ??= `run ${runId}: stream completed without RunFinished`;
          resolve({ events, startedAt, problem });
        },
        onError: (error) => resolve({ events, startedAt, problem: `run ${runId}: ${error.message}` }),
      },
    );
  });
}
