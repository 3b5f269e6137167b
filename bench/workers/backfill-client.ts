// A new reader of a long finished run, from seq 0, through the typed client: a subscriber's
// run.events replay over the WebSocket, or a bulk reader paging with run.eventsPage over HTTP
// (readEventPages, which asks for the next pages while one is checked).
import { createRunsClient, type RunsClient } from "@live-runs/client";
import type { BackfillConfig, BackfillResult } from "../lib/protocol";
import { preciseNow } from "../lib/stats";
import { watchRun } from "../lib/watch";
import { runWorker, workerConfig } from "../lib/worker";

/** Reads every event after seq 0 with the client's page reader, checking each seq comes once and in order. */
async function readPages(client: RunsClient, runId: string): Promise<{ events: number; problem: string | null }> {
  let last = 0;
  for await (const page of client.readEventPages(runId)) {
    for (const event of page) {
      if (event.seq !== last + 1) return { events: last, problem: `seq ${event.seq} after ${last}` };
      last = event.seq;
    }
  }
  return { events: last, problem: null };
}

runWorker(async (): Promise<BackfillResult> => {
  const config = workerConfig<BackfillConfig>();
  const client = createRunsClient({ url: config.url, token: config.token });
  const { trpc } = client;
  try {
    // Opens the WebSocket (and warms the server's code path) outside the timed read.
    await watchRun(trpc, config.runId, { fromSeq: config.expected - 1 });
    await trpc.run.eventsPage.query({ runId: config.runId, limit: 10 });
    const cpuBefore = process.cpuUsage();
    const t0 = preciseNow();
    const read =
      config.via === "events"
        ? await watchRun(trpc, config.runId, { fromSeq: 0 })
        : await readPages(client, config.runId);
    const ms = preciseNow() - t0;
    const cpu = process.cpuUsage(cpuBefore);
    const errors = read.problem ? [read.problem] : [];
    if (read.events !== config.expected) errors.push(`expected ${config.expected} events, got ${read.events}`);
    return { events: read.events, ms, cpuUs: cpu.user + cpu.system, errors };
  } finally {
    await client.close();
  }
});
