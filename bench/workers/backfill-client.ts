// A new subscriber replays a long finished run from seq 0 over the real tRPC WebSocket path.
import { createRunsClient } from "@live-runs/client";
import type { BackfillConfig, BackfillResult } from "../lib/protocol";
import { preciseNow } from "../lib/stats";
import { watchRun } from "../lib/watch";
import { runWorker, workerConfig } from "../lib/worker";

runWorker(async (): Promise<BackfillResult> => {
  const config = workerConfig<BackfillConfig>();
  const { trpc, close } = createRunsClient({ url: config.url, token: config.token });
  try {
    // Opens the WebSocket (and warms the server's code path) outside the timed replay.
    await watchRun(trpc, config.runId, { fromSeq: config.expected - 1 });
    const t0 = preciseNow();
    const watched = await watchRun(trpc, config.runId, { fromSeq: 0 });
    const ms = preciseNow() - t0;
    const errors = watched.problem ? [watched.problem] : [];
    if (watched.events !== config.expected) errors.push(`expected ${config.expected} events, got ${watched.events}`);
    return { events: watched.events, ms, errors };
  } finally {
    await close();
  }
});
