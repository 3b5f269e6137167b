import type { BenchOptions } from "../lib/options";
import { createBenchDatabase, createOwners, insertLongRun } from "../lib/database";
import { cpuSeconds, startWorker } from "../lib/processes";
import type { BackfillConfig, BackfillResult, PgBaselineConfig, PgBaselineResult } from "../lib/protocol";
import type { Figure } from "../lib/report";
import { preciseNow } from "../lib/stats";
import { log, startOurServer } from "./common";

/**
 * Backfill: a new subscriber replays a finished run of `events` events through run.events over
 * WebSocket, against a raw streaming SELECT of the same rows with the same driver.
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
  const ours: number[] = [];
  const baseline: number[] = [];
  try {
    for (let rep = 1; rep <= options.reps; rep += 1) {
      const streamConfig: PgBaselineConfig = { mode: "stream", url: db.url, runId };
      const raw = await startWorker<PgBaselineResult>("pg-baseline", streamConfig).result;
      if (raw.mode !== "stream" || raw.rows !== events) throw new Error("raw SELECT did not return the fixture");
      baseline.push((raw.rows * 1000) / raw.ms);
      const config: BackfillConfig = { url: server.url, token: owner!.token, runId, expected: events };
      // The server's CPU per replayed event moves far less with the machine's load than the rate does.
      const cpuBefore = cpuSeconds([server.pid]);
      const result = await startWorker<BackfillResult>("backfill-client", config).result;
      const serverCpuUs = ((cpuSeconds([server.pid]) - cpuBefore) * 1e6) / result.events;
      if (result.errors.length > 0) throw new Error(`backfill broke its guarantees: ${result.errors.join("; ")}`);
      ours.push((result.events * 1000) / result.ms);
      log(
        `  rep ${rep}: raw SELECT ${baseline.at(-1)!.toFixed(0)} rows/s (${raw.ms.toFixed(0)} ms)` +
          ` | run.events replay ${ours.at(-1)!.toFixed(0)} events/s (${result.ms.toFixed(0)} ms,` +
          ` server CPU ${serverCpuUs.toFixed(1)} µs/event)`,
      );
    }
  } finally {
    await server.stop();
    await db.drop();
  }
  return [
    {
      section: "backfill",
      name: `backfill replay of a ${events.toLocaleString("en-US")}-event run`,
      unit: "events/s",
      ours,
      baselineName: "streaming SELECT",
      baselineUnit: "rows/s",
      baseline,
      ratioLabel: "× baseline",
      ratio: (o, b) => o / b,
      goal: "≥ 100,000 events/s and ≥ 0.5 × baseline",
      met: (o, b) => o >= 100_000 && o >= 0.5 * b,
    },
  ];
}
