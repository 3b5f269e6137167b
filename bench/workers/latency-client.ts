// Starts runs and subscribes to each over its own tRPC WebSocket client; records, for every event
// appended after the subscription started, arrival time minus the event's ts (taken just before the
// append statement, so the figure includes the append's own commit).
import { createRunsClient } from "../../src/client";
import type { LatencyConfig, LatencyResult } from "../lib/protocol";
import { sleep } from "../lib/stats";
import { watchRun } from "../lib/watch";
import { runWorker, workerConfig } from "../lib/worker";

runWorker(async (): Promise<LatencyResult> => {
  const config = workerConfig<LatencyConfig>();
  const clients = Array.from({ length: config.concurrent }, () => createRunsClient({ url: config.url }));
  const result: LatencyResult = { samples: [], runs: 0, events: 0, errors: [] };
  try {
    // Warm-up: open every WebSocket and HTTP connection before anything is measured.
    await Promise.all(
      clients.map(async ({ trpc }) => {
        const run = await trpc.run.start.mutate({ appPath: "/bench/warmup", stepDelayMs: 0 });
        await watchRun(trpc, run.id);
      }),
    );
    for (let started = 0; started < config.runs; started += config.concurrent) {
      const wave = clients.slice(0, Math.min(config.concurrent, config.runs - started));
      await Promise.all(
        wave.map(async ({ trpc }, i) => {
          await sleep(i * config.staggerMs);
          const run = await trpc.run.start.mutate({ appPath: "/bench/latency", stepDelayMs: config.stepDelayMs });
          const watched = await watchRun(trpc, run.id, {
            onEvent: (event, arrivedAt, startedAt) => {
              // ts is Date.now() truncated to the millisecond: the append happened on average 0.5 ms later.
              if (event.ts >= startedAt) result.samples.push(arrivedAt - (event.ts + 0.5));
            },
          });
          result.runs += 1;
          result.events += watched.events;
          if (watched.problem) result.errors.push(watched.problem);
        }),
      );
    }
    return result;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});
