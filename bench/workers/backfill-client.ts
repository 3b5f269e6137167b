// A new reader of a long finished run, from seq 0, over the real tRPC WebSocket path: a subscriber's
// run.events replay, or a bulk reader paging with run.eventsPage.
import { createRunsClient, type RunsClient } from "@live-runs/client";
import type { BackfillConfig, BackfillResult } from "../lib/protocol";
import { preciseNow } from "../lib/stats";
import { watchRun } from "../lib/watch";
import { runWorker, workerConfig } from "../lib/worker";

const PAGE_EVENTS = 1_000;

// Pages a bulk reader asks for ahead of the one it is checking: a run's seqs are contiguous, so the
// page after `afterSeq` is known before the one before it arrives, and the server reads and encodes
// one page while the reader parses the previous one (as a streaming SELECT overlaps them).
const PAGES_AHEAD = 1;

/** Reads every event after seq 0 a page at a time, checking each seq comes once and in order. */
async function readPages(trpc: RunsClient["trpc"], runId: string): Promise<{ events: number; problem: string | null }> {
  let last = 0;
  let nextAfter = 0;
  const ask = () => {
    const page = trpc.run.eventsPage.query({ runId, afterSeq: nextAfter, limit: PAGE_EVENTS });
    nextAfter += PAGE_EVENTS;
    return page;
  };
  const asked = [ask()];
  for (;;) {
    while (asked.length <= PAGES_AHEAD) asked.push(ask());
    const page = await asked.shift()!;
    for (const event of page.events) {
      if (event.seq !== last + 1) return { events: last, problem: `seq ${event.seq} after ${last}` };
      last = event.seq;
    }
    if (!page.hasMore) {
      await Promise.all(asked);
      return { events: last, problem: null };
    }
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
