import type { BenchOptions } from "../lib/options";
import { createBenchDatabase, createOwners, insertLongRun } from "../lib/database";
import { cpuSeconds, startWorker } from "../lib/processes";
import type { BackfillConfig, BackfillResult, PgBaselineConfig, PgBaselineResult } from "../lib/protocol";
import type { Figure } from "../lib/report";
import { preciseNow } from "../lib/stats";
import { log, startOurServer } from "./common";

/**
 * Backfill: a new reader of a finished run of `events` events, from its first event, over
 * WebSocket: a subscriber's run.events replay, and a bulk reader's run.eventsPage pages of 1,000,
 * each against a raw streaming SELECT of the same rows with the same driver.
 */
export async function backfillSection(options: BenchOptions): Promise<Figure[]> {
  const { events } = options.backfill;
  const db = await createBenchDatabase(options.adminUrl, "backfill");
  const t0 = preciseNow();
  const [owner] = await createOwners(db.url, "backfill");
  const runId = await insertLongRun(db.sql, owner!.ownerId, events);
  await db.sql`vacuum analyze run_events`;
  log(`  fixture: ${events} events written in ${(preciseNow() - t0).toFixed(0)} ms`);
  const server = await startOurServer(options, db.url, "backfill");
  const rates: Record<BackfillConfig["via"], number[]> = { events: [], eventsPage: [] };
  const baseline: number[] = [];
  try {
    for (let rep = 1; rep <= options.reps; rep += 1) {
      const streamConfig: PgBaselineConfig = { mode: "stream", url: db.url, runId };
      const raw = await startWorker<PgBaselineResult>("pg-baseline", streamConfig).result;
      if (raw.mode !== "stream" || raw.rows !== events) throw new Error("raw SELECT did not return the fixture");
      baseline.push((raw.rows * 1000) / raw.ms);
      const parts = [`raw SELECT ${baseline.at(-1)!.toFixed(0)} rows/s (${raw.ms.toFixed(0)} ms)`];
      for (const via of ["events", "eventsPage"] as const) {
        const config: BackfillConfig = { url: server.url, token: owner!.token, runId, expected: events, via };
        // The server's CPU per event read moves far less with the machine's load than the rate does.
        const cpuBefore = cpuSeconds([server.pid]);
        const result = await startWorker<BackfillResult>("backfill-client", config).result;
        const serverCpuUs = ((cpuSeconds([server.pid]) - cpuBefore) * 1e6) / result.events;
        if (result.errors.length > 0)
          throw new Error(`${via} backfill broke its guarantees: ${result.errors.join("; ")}`);
        rates[via].push((result.events * 1000) / result.ms);
        parts.push(
          `run.${via} ${rates[via].at(-1)!.toFixed(0)} events/s (${result.ms.toFixed(0)} ms, server CPU ${serverCpuUs.toFixed(1)} µs/event)`,
        );
      }
      log(`  rep ${rep}: ${parts.join(" | ")}`);
    }
  } finally {
    await server.stop();
    await db.drop();
  }
  const size = events.toLocaleString("en-US");
  const base = {
    section: "backfill",
    unit: "events/s",
    baselineName: "streaming SELECT",
    baselineUnit: "rows/s",
    baseline,
    ratioLabel: "× baseline",
    ratio: (o: number, b: number) => o / b,
  };
  return [
    {
      ...base,
      name: `backfill replay of a ${size}-event run (run.events)`,
      ours: rates.events,
      goal: "≥ 100,000 events/s",
      met: (o) => o >= 100_000,
    },
    {
      ...base,
      name: `backfill read of a ${size}-event run (run.eventsPage, 1,000 a page)`,
      ours: rates.eventsPage,
      goal: "≥ 0.5 × baseline",
      met: (o, b) => o >= 0.5 * b,
    },
  ];
}
