import type { BenchOptions } from "../lib/options";
import { createBenchDatabase, pipelineCounts } from "../lib/database";
import { startWorker } from "../lib/processes";
import type { PgBaselineConfig, PgBaselineResult, ThroughputConfig, ThroughputResult } from "../lib/protocol";
import type { Figure } from "../lib/report";
import { sleep } from "../lib/stats";
import { log, startOurServer } from "./common";

async function insertBaseline(options: BenchOptions, url: string, concurrency: number): Promise<number> {
  const config: PgBaselineConfig = {
    mode: "insert",
    url,
    poolMax: Number(options.serverEnv.DATABASE_POOL_MAX),
    concurrency,
    warmupMs: options.throughput.warmupMs,
    measureMs: options.throughput.measureMs,
  };
  const result = await startWorker<PgBaselineResult>("pg-baseline", config).result;
  if (result.mode !== "insert") throw new Error("unexpected baseline result");
  return (result.transactions * 1000) / result.windowMs;
}

/**
 * Pipeline throughput: runs with stepDelayMs 0 kept in flight by client processes, every event
 * appended, published and delivered to a subscriber; against single-row insert transactions per
 * second into a plain table with the same driver, pool size and number of concurrent writers.
 */
export async function throughputSection(options: BenchOptions): Promise<Figure[]> {
  const { throughput } = options;
  const inFlight = throughput.clients * throughput.inFlightPerClient;
  const db = await createBenchDatabase(options.adminUrl, "throughput");
  const server = await startOurServer(options, db.url, "throughput");
  const delivered: number[] = [];
  const appended: number[] = [];
  const published: number[] = [];
  const baseline: number[] = [];
  try {
    for (let rep = 1; rep <= options.reps; rep += 1) {
      baseline.push(await insertBaseline(options, db.url, inFlight));
      const config: ThroughputConfig = {
        url: server.url,
        inFlight: throughput.inFlightPerClient,
        warmupMs: throughput.warmupMs,
        measureMs: throughput.measureMs,
      };
      const workers = Array.from({ length: throughput.clients }, () => startWorker<ThroughputResult>("throughput-client", config));
      await Promise.all(workers.map((w) => w.next("ready")));
      const startAt = Date.now() + 100;
      for (const w of workers) w.send({ type: "go", startAt });
      await sleep(startAt + throughput.warmupMs - Date.now());
      const before = await pipelineCounts(db.sql);
      await sleep(startAt + throughput.warmupMs + throughput.measureMs - Date.now());
      const after = await pipelineCounts(db.sql);
      const results = await Promise.all(workers.map((w) => w.result));
      const errors = results.flatMap((r) => r.errors);
      if (errors.length > 0) throw new Error(`throughput streams broke their guarantees: ${errors.slice(0, 3).join("; ")}`);
      const seconds = throughput.measureMs / 1000;
      delivered.push(results.reduce((sum, r) => sum + r.eventsInWindow, 0) / seconds);
      appended.push((after.appended - before.appended) / seconds);
      published.push((after.published - before.published) / seconds);
      const runs = results.reduce((sum, r) => sum + r.runs, 0);
      log(
        `  rep ${rep}: insert baseline ${baseline.at(-1)!.toFixed(0)} tx/s | delivered ${delivered.at(-1)!.toFixed(0)} ev/s` +
          ` | appended ${appended.at(-1)!.toFixed(0)} ev/s | published ${published.at(-1)!.toFixed(0)} ev/s | ${runs} runs checked`,
      );
    }
  } finally {
    await server.stop();
    await db.drop();
  }
  const half = (o: number, b: number) => o >= 0.5 * b;
  const base = {
    section: "throughput",
    unit: "events/s",
    baselineName: "single-row insert tx/s",
    baselineUnit: "tx/s",
    baseline,
    ratioLabel: "× baseline",
    ratio: (o: number, b: number) => o / b,
  };
  return [
    { ...base, name: `pipeline throughput, delivered (${inFlight} runs in flight)`, ours: delivered, goal: "≥ 0.5 × baseline", met: half },
    { ...base, name: "pipeline throughput, appended", ours: appended, goal: "(info)" },
    { ...base, name: "pipeline throughput, published", ours: published, goal: "(info)" },
  ];
}
