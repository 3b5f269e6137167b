// Keeps one run with stepDelayMs 0 going per lane, each lane a client of its own (its own owner
// and WebSocket), every run watched to completion; counts events delivered inside the window.
import { createRunsClient } from "@live-runs/client";
import type { ThroughputConfig, ThroughputResult } from "../lib/protocol";
import { preciseNow, sleep } from "../lib/stats";
import { watchRun } from "../lib/watch";
import { fromParent, runWorker, tellParent, workerConfig } from "../lib/worker";

runWorker(async (): Promise<ThroughputResult> => {
  const config = workerConfig<ThroughputConfig>();
  const clients = config.tokens.map((token) => createRunsClient({ url: config.url, token }));
  const result: ThroughputResult = { eventsInWindow: 0, windowMs: config.measureMs, runs: 0, events: 0, errors: [] };
  try {
    // Warm-up: every client's HTTP and WebSocket connections are open before the window starts.
    await Promise.all(
      clients.map(async ({ trpc }) => {
        const warm = await trpc.run.start.mutate({ appPath: "/bench/warmup", stepDelayMs: 0 });
        await watchRun(trpc, warm.id);
      }),
    );
    tellParent({ type: "ready" });
    const { startAt = Date.now() } = await fromParent("go");
    await sleep(Math.max(0, startAt - Date.now()));
    const windowStart = startAt + config.warmupMs;
    const windowEnd = windowStart + config.measureMs;
    const lane = async ({ trpc }: (typeof clients)[number]) => {
      while (Date.now() < windowEnd) {
        const run = await trpc.run.start.mutate({ appPath: "/bench/throughput", stepDelayMs: 0 });
        const watched = await watchRun(trpc, run.id, {
          onEvent: (_event, arrivedAt) => {
            if (arrivedAt >= windowStart && arrivedAt < windowEnd) result.eventsInWindow += 1;
          },
        });
        result.runs += 1;
        result.events += watched.events;
        if (watched.problem) result.errors.push(watched.problem);
      }
    };
    await Promise.all(clients.map(lane));
    if (preciseNow() < windowEnd) throw new Error("runs ended before the measurement window did");
    return result;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});
