import type { BenchOptions } from "../lib/options";
import { backendPids, createBenchDatabase, createOwners, pipelineCounts, type BenchDatabase } from "../lib/database";
import { cpuSeconds, startWorker, type Worker } from "../lib/processes";
import type { PgBaselineConfig, PgBaselineResult, ThroughputConfig, ThroughputResult } from "../lib/protocol";
import type { Figure } from "../lib/report";
import { median, sleep } from "../lib/stats";
import { log, startOurServer } from "./common";

type CpuGroups = Record<string, () => number[]>;

/**
 * Lets workers start together at `startAt` and samples, at the edges of the measurement window,
 * the CPU seconds each group of processes used and the pipeline counters.
 */
async function measureWindow(
  options: BenchOptions,
  db: BenchDatabase,
  workers: Worker<unknown>[],
  groups: CpuGroups,
): Promise<{ cpu: Record<string, number>; appended: number; published: number }> {
  const { warmupMs, measureMs } = options.throughput;
  await Promise.all(workers.map((w) => w.next("ready")));
  const startAt = Date.now() + 100;
  for (const w of workers) w.send({ type: "go", startAt });
  await sleep(startAt + warmupMs - Date.now());
  const pg = await backendPids(db.sql);
  const snapshot = () =>
    Object.fromEntries(
      Object.entries(groups).map(([name, pids]) => [name, cpuSeconds(name === "postgres" ? pg : pids())]),
    );
  const cpuBefore = snapshot();
  const before = await pipelineCounts(db.sql);
  await sleep(startAt + warmupMs + measureMs - Date.now());
  const cpuAfter = snapshot();
  const after = await pipelineCounts(db.sql);
  const cpu = Object.fromEntries(Object.keys(groups).map((name) => [name, cpuAfter[name]! - cpuBefore[name]!]));
  return { cpu, appended: after.appended - before.appended, published: after.published - before.published };
}

/** µs of CPU per unit of work, by process group, e.g. "server 180 µs, postgres 95 µs". */
const perUnit = (cpu: Record<string, number>, units: number) =>
  Object.entries(cpu)
    .map(([name, seconds]) => `${name} ${((seconds * 1e6) / Math.max(1, units)).toFixed(0)} µs`)
    .join(", ");

/**
 * Pipeline throughput: runs with stepDelayMs 0 kept in flight by client processes, every event
 * appended, published and delivered to a subscriber; against single-row insert transactions per
 * second into a plain table with the same driver, pool size and number of concurrent writers.
 * CPU per event by process (server, Postgres backends, clients) says where the time goes.
 */
export async function throughputSection(options: BenchOptions): Promise<Figure[]> {
  const { throughput } = options;
  const inFlight = throughput.clients * throughput.inFlightPerClient;
  const seconds = throughput.measureMs / 1000;
  const db = await createBenchDatabase(options.adminUrl, "throughput");
  const server = await startOurServer(options, db.url, "throughput");
  const owners = await createOwners(db.url, "throughput", inFlight);
  const delivered: number[] = [];
  const appended: number[] = [];
  const published: number[] = [];
  const baseline: number[] = [];
  const cpuPerEvent: Record<string, number[]> = {};
  const cpuPerInsert: Record<string, number[]> = {};
  try {
    for (let rep = 1; rep <= options.reps; rep += 1) {
      const baselineConfig: PgBaselineConfig = {
        mode: "insert",
        url: db.url,
        poolMax: Number(options.serverEnv.DATABASE_POOL_MAX),
        concurrency: inFlight,
        warmupMs: throughput.warmupMs,
        measureMs: throughput.measureMs,
      };
      const inserter = startWorker<PgBaselineResult>("pg-baseline", baselineConfig);
      const raw = await measureWindow(options, db, [inserter], { postgres: () => [], client: () => [inserter.pid] });
      const inserted = await inserter.result;
      if (inserted.mode !== "insert") throw new Error("unexpected baseline result");
      baseline.push(inserted.transactions / seconds);
      for (const [name, s] of Object.entries(raw.cpu))
        (cpuPerInsert[name] ??= []).push((s * 1e6) / inserted.transactions);

      const workers = Array.from({ length: throughput.clients }, (_, i) => {
        const config: ThroughputConfig = {
          url: server.url,
          tokens: owners
            .slice(i * throughput.inFlightPerClient, (i + 1) * throughput.inFlightPerClient)
            .map((o) => o.token),
          warmupMs: throughput.warmupMs,
          measureMs: throughput.measureMs,
        };
        return startWorker<ThroughputResult>("throughput-client", config);
      });
      const ours = await measureWindow(options, db, workers, {
        server: () => [server.pid],
        postgres: () => [],
        clients: () => workers.map((w) => w.pid),
      });
      const results = await Promise.all(workers.map((w) => w.result));
      const errors = results.flatMap((r) => r.errors);
      if (errors.length > 0)
        throw new Error(`throughput streams broke their guarantees: ${errors.slice(0, 3).join("; ")}`);
      const events = results.reduce((sum, r) => sum + r.eventsInWindow, 0);
      delivered.push(events / seconds);
      appended.push(ours.appended / seconds);
      published.push(ours.published / seconds);
      for (const [name, s] of Object.entries(ours.cpu)) (cpuPerEvent[name] ??= []).push((s * 1e6) / events);
      const runs = results.reduce((sum, r) => sum + r.runs, 0);
      log(
        `  rep ${rep}: insert baseline ${baseline.at(-1)!.toFixed(0)} tx/s (CPU per insert: ${perUnit(raw.cpu, inserted.transactions)})` +
          ` | delivered ${delivered.at(-1)!.toFixed(0)} ev/s, appended ${appended.at(-1)!.toFixed(0)}, published ${published.at(-1)!.toFixed(0)}` +
          ` (CPU per event: ${perUnit(ours.cpu, events)}) | ${runs} runs checked`,
      );
    }
  } finally {
    await server.stop();
    await db.drop();
  }
  const medians = (m: Record<string, number[]>) =>
    Object.entries(m)
      .map(([name, values]) => `${name} ${median(values).toFixed(0)} µs`)
      .join(", ");
  log(`  CPU per delivered event (median): ${medians(cpuPerEvent)}; per baseline insert: ${medians(cpuPerInsert)}`);
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
    {
      ...base,
      name: `pipeline throughput, delivered (${inFlight} runs in flight)`,
      ours: delivered,
      goal: "≥ 0.3 × baseline",
      met: (o, b) => o >= 0.3 * b,
    },
    { ...base, name: "pipeline throughput, appended", ours: appended, goal: "(info)" },
    { ...base, name: "pipeline throughput, published", ours: published, goal: "(info)" },
    {
      section: "throughput",
      // The clients share the two cores with the server, so the goal counts the server side only.
      name: "CPU per delivered event, server + its Postgres backends",
      unit: "µs",
      ours: sumByRep(pick(cpuPerEvent, ["server", "postgres"])),
      baselineName: "CPU per plain insert, its Postgres backend + the inserting process",
      baseline: sumByRep(cpuPerInsert),
      ratioLabel: "× baseline",
      ratio: (o, b) => o / b,
      goal: "≤ 3 × baseline",
      met: (o, b) => o <= 3 * b,
    },
    {
      section: "throughput",
      name: "CPU per delivered event, all processes",
      unit: "µs",
      ours: sumByRep(cpuPerEvent),
      baselineName: "CPU per plain insert",
      baseline: sumByRep(cpuPerInsert),
      ratioLabel: "× baseline",
      ratio: (o, b) => o / b,
      goal: "(info)",
    },
  ];
}

function pick(byGroup: Record<string, number[]>, names: string[]): Record<string, number[]> {
  return Object.fromEntries(names.map((name) => [name, byGroup[name] ?? []]));
}

function sumByRep(byGroup: Record<string, number[]>): number[] {
  const groups = Object.values(byGroup);
  return groups[0]?.map((_, i) => groups.reduce((sum, g) => sum + (g[i] ?? 0), 0)) ?? [];
}
