import type { BenchOptions } from "../lib/options";
import { createBenchDatabase } from "../lib/database";
import { startApiServer, startWorker } from "../lib/processes";
import type { LatencyConfig, LatencyResult, PgBaselineConfig, PgBaselineResult } from "../lib/protocol";
import type { Figure } from "../lib/report";
import { summarize } from "../lib/stats";
import { log, startOurServer } from "./common";

async function measure(config: LatencyConfig): Promise<ReturnType<typeof summarize>> {
  const result = await startWorker<LatencyResult>("latency-client", config).result;
  if (result.errors.length > 0) throw new Error(`latency stream broke its guarantees: ${result.errors.slice(0, 3).join("; ")}`);
  return summarize(result.samples);
}

async function selectOneP50(url: string): Promise<number> {
  const config: PgBaselineConfig = { mode: "select1", url, samples: 2_000 };
  const result = await startWorker<PgBaselineResult>("pg-baseline", config).result;
  if (result.mode !== "select1") throw new Error("unexpected baseline result");
  return summarize(result.samples).p50;
}

/**
 * Delivery latency (event ts at append → arrival at a tRPC WebSocket subscriber in another process)
 * for 1 run at a time and for 100 concurrent runs, against the Postgres round trip; and the same
 * 1-run figure on the seed's 25 ms polling outbox. Both servers run side by side on their own
 * databases and the repetitions interleave, so machine noise hits both alike.
 */
export async function latencySection(options: BenchOptions): Promise<Figure[]> {
  const { latency } = options;
  const oursDb = await createBenchDatabase(options.adminUrl, "latency");
  const seedDb = await createBenchDatabase(options.adminUrl, "seed");
  const ours = await startOurServer(options, oursDb.url, "latency");
  const seed = await startApiServer({
    databaseUrl: seedDb.url,
    env: { ...options.serverEnv, SEED_OUTBOX_POLL_MS: "25" },
    entry: "bench/servers/seed-poll-server.ts",
  });
  const rt: number[] = [];
  const single = { p50: [] as number[], p99: [] as number[] };
  const many = { p50: [] as number[], p99: [] as number[] };
  const seedSingle = { p50: [] as number[], p99: [] as number[] };
  const singleConfig = (url: string): LatencyConfig => ({
    url,
    runs: latency.singleRuns,
    concurrent: 1,
    stepDelayMs: latency.singleStepDelayMs,
    staggerMs: 0,
  });
  try {
    for (let rep = 1; rep <= options.reps; rep += 1) {
      rt.push(await selectOneP50(oursDb.url));
      const s = await measure(singleConfig(ours.url));
      single.p50.push(s.p50);
      single.p99.push(s.p99);
      const m = await measure({
        url: ours.url,
        runs: latency.concurrentRuns * latency.waves,
        concurrent: latency.concurrentRuns,
        stepDelayMs: latency.concurrentStepDelayMs,
        staggerMs: latency.concurrentStepDelayMs / latency.concurrentRuns,
      });
      many.p50.push(m.p50);
      many.p99.push(m.p99);
      const seeded = await measure(singleConfig(seed.url));
      seedSingle.p50.push(seeded.p50);
      seedSingle.p99.push(seeded.p99);
      log(
        `  rep ${rep}: select 1 p50 ${rt.at(-1)!.toFixed(3)} ms | 1 run p50/p99 ${s.p50.toFixed(2)}/${s.p99.toFixed(2)} ms (n=${s.count})` +
          ` | 100 runs ${m.p50.toFixed(2)}/${m.p99.toFixed(2)} ms (n=${m.count}) | seed 1 run ${seeded.p50.toFixed(2)}/${seeded.p99.toFixed(2)} ms (n=${seeded.count})`,
      );
    }
  } finally {
    await Promise.all([ours.stop(), seed.stop()]);
    await Promise.all([oursDb.drop(), seedDb.drop()]);
  }
  const overRoundTrip = (o: number, b: number) => o / b;
  const latencyFigure = (name: string, values: number[], goalMs: number): Figure => ({
    section: "latency",
    name,
    unit: "ms",
    ours: values,
    baselineName: "select 1 p50",
    baseline: rt,
    ratioLabel: "× select 1",
    ratio: overRoundTrip,
    goal: `≤ ${goalMs} ms`,
    met: (o) => o <= goalMs,
  });
  return [
    latencyFigure("delivery latency p50, 1 run", single.p50, 5),
    latencyFigure("delivery latency p99, 1 run", single.p99, 20),
    latencyFigure(`delivery latency p50, ${latency.concurrentRuns} concurrent runs`, many.p50, 5),
    latencyFigure(`delivery latency p99, ${latency.concurrentRuns} concurrent runs`, many.p99, 20),
    {
      section: "latency",
      name: "seed design (25 ms polling outbox) p50, 1 run",
      unit: "ms",
      ours: single.p50,
      baselineName: "seed p50",
      baseline: seedSingle.p50,
      ratioLabel: "seed p50 / ours",
      ratio: (o, b) => b / o,
      goal: "ours ≥ 5× lower p50",
      met: (o, b) => b / o >= 5,
    },
  ];
}
