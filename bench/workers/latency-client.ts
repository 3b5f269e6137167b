// Starts runs and subscribes to each over its own tRPC WebSocket client; records, for every event
// appended after the subscription started, arrival time minus the event's ts (taken just before the
// append statement, so the figure includes the append's own commit).
import { createRunsClient } from "@live-runs/client";
import type { LatencyConfig, LatencyResult } from "../lib/protocol";
import { sleep } from "../lib/stats";
import { watchRun } from "../lib/watch";
import { runWorker, workerConfig } from "../lib/worker";

runWorker(async (): Promise<LatencyResult> => {
  const config = workerConfig<LatencyConfig>();
  const clients = config.tokens.map((token) => createRunsClient({ url: config.url, token }));
  const result: LatencyResult = { samples: [], rampSamples: [], runs: 0, events: 0, errors: [] };
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
      const deliveries: { ts: number; latency: number }[] = [];
      const subscribedAt: number[] = [];
      await Promise.all(
        wave.map(async ({ trpc }, i) => {
          await sleep(i * config.staggerMs);
          const run = await trpc.run.start.mutate({ appPath: "/bench/latency", stepDelayMs: config.stepDelayMs });
          const watched = await watchRun(trpc, run.id, {
            onStarted: () => subscribedAt.push(Date.now()),
            onEvent: (event, arrivedAt) => {
              // ts is Date.now() truncated to the millisecond: the append happened on average 0.5 ms later.
              deliveries.push({ ts: event.ts, latency: arrivedAt - (event.ts + 0.5) });
            },
          });
          result.runs += 1;
          result.events += watched.events;
          if (watched.problem) result.errors.push(watched.problem);
        }),
      );
      // Steady state: events appended once every run of the wave was started and subscribed. Those
      // appended while runs were still being started (their first events) are reported apart.
      const allSubscribed = Math.max(...subscribedAt);
      for (const { ts, latency } of deliveries) {
        if (ts >= allSubscribed) result.samples.push(latency);
        else if (wave.length > 1) result.rampSamples.push(latency);
      }
    }
    return result;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});
