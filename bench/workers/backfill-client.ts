// A new reader of a long finished run, from seq 0, over the real tRPC WebSocket path: a subscriber's
// run.events replay, or a bulk reader paging with run.eventsPage.
import { createRunsClient, type RunsClient } from "@live-runs/client";
import type { BackfillConfig, BackfillResult } from "../lib/protocol";
import { preciseNow } from "../lib/stats";
import { watchRun } from "../lib/watch";
import { runWorker, workerConfig } from "../lib/worker";

const PAGE_EVENTS = 1_000;

/** Reads every event after seq 0 page by page, checking each seq comes once and in order. */
async function readPages(trpc: RunsClient["trpc"], runId: string): Promise<{ events: number; problem: string | null }> {
  let last = 0;
  for (;;) {
    const page = await trpc.run.eventsPage.query({ runId, afterSeq: last, limit: PAGE_EVENTS });
    for (const event of page.events) {
      if (event.seq !== last + 1) return { events: last, problem: `seq ${event.seq} after ${last}` };
      last = event.seq;
    }
    if (!page.hasMore) return { events: last, problem: null };
  }
}

runWorker(async (): Promise<BackfillResult> => {
  const config = workerConfig<BackfillConfig>();
  const { trpc, close } = createRunsClient({ url: config.url, token: config.token });
  try {
    // Opens the WebSocket (and warms the server's code path) outside the timed read.
    await watchRun(trpc, config.runId, { fromSeq: config.expected - 1 });
    await trpc.run.eventsPage.query({ runId: config.runId, limit: 10 });
    const cpuBefore = process.cpuUsage();
    const t0 = preciseNow();
    const read =
      config.via === "events"
        ? await watchRun(trpc, config.runId, { fromSeq: 0 })
        : await readPages(trpc, config.runId);
    const ms = preciseNow() - t0;
    const cpu = process.cpuUsage(cpuBefore);
    const errors = read.problem ? [read.problem] : [];
    if (read.events !== config.expected) errors.push(`expected ${config.expected} events, got ${read.events}`);
    return { events: read.events, ms, cpuUs: cpu.user + cpu.system, errors };
  } finally {
    await close();
  }
});
