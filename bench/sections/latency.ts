import type { BenchOptions } from "../lib/options";
import { createBenchDatabase, createOwners } from "../lib/database";
import { startApiServer, startWorker } from "../lib/processes";
import type { LatencyConfig, LatencyResult, PgBaselineConfig, PgBaselineResult } from "../lib/protocol";
import type { Figure } from "../lib/report";
import { summarize } from "../lib/stats";
import { log, startOurServer } from "./common";

type Measured = ReturnType<typeof summarize> & { ramp: ReturnType<typeof summarize> };

async function measure(config: LatencyConfig): Promise<Measured> {
  const result = await startWorker<LatencyResult>("latency-client", config).result;
  if (result.errors.length > 0)
    throw new Error(`latency stream broke its guarantees: ${result.errors.slice(0, 3).join("; ")}`);
  return { ...summarize(result.samples), ramp: summarize(result.rampSamples) };
}

async function selectOneP50(url: string): Promise<number> {
  const config: PgBaselineConfig = { mode: "select1", url, samples: 2_000 };
  const result = await startWorker<PgBaselineResult>("pg-baseline", config).result;
  if (result.mode !== "select1") throw new Error("unexpected baseline result");
  return summarize(result.samples).p50;
}

interface Percentiles {
  p50: number[];
  p99: number[];
}

const fmt = (s: ReturnType<typeof summarize>) => `${s.p50.toFixed(2)}/${s.p99.toFixed(2)} ms (n=${s.count})`;

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
    entry: "bench/servers/seed-outbox.ts",
  });
  // Every client is an owner of its own, as the users of 100 concurrent runs would be.
  const oursOwners = (await createOwners(oursDb.url, "latency", latency.concurrentRuns)).map((o) => o.token);
  const seedOwners = (await createOwners(seedDb.url, "latency", 1)).map((o) => o.token);
  const rt: number[] = [];
  const single: Percentiles = { p50: [], p99: [] };
  const seedSingle: Percentiles = { p50: [], p99: [] };
  const many = new Map<number, Percentiles>(latency.concurrentStepDelaysMs.map((d) => [d, { p50: [], p99: [] }]));
  const singleConfig = (url: string, tokens: string[]): LatencyConfig => ({
    url,
    tokens: tokens.slice(0, 1),
    runs: latency.singleRuns,
    concurrent: 1,
    stepDelayMs: latency.singleStepDelayMs,
    staggerMs: 0,
  });
  const push = (into: Percentiles, s: ReturnType<typeof summarize>) => {
    into.p50.push(s.p50);
    into.p99.push(s.p99);
  };
  try {
    for (let rep = 1; rep <= options.reps; rep += 1) {
      rt.push(await selectOneP50(oursDb.url));
      const s = await measure(singleConfig(ours.url, oursOwners));
      push(single, s);
      const seeded = await measure(singleConfig(seed.url, seedOwners));
      push(seedSingle, seeded);
      const loaded: string[] = [];
      for (const [stepDelayMs, into] of many) {
        // Starts are spread over one step so the load is steady rather than lock-stepped.
        const m = await measure({
          url: ours.url,
          tokens: oursOwners,
          runs: latency.concurrentRuns * latency.waves,
          concurrent: latency.concurrentRuns,
          stepDelayMs,
          staggerMs: stepDelayMs / latency.concurrentRuns,
        });
        push(into, m);
        loaded.push(`${latency.concurrentRuns} runs @${stepDelayMs} ms ${fmt(m)} (while starting: ${fmt(m.ramp)})`);
      }
      log(
        `  rep ${rep}: select 1 p50 ${rt.at(-1)!.toFixed(3)} ms | 1 run ${fmt(s)} | seed 1 run ${fmt(seeded)} | ${loaded.join(" | ")}`,
      );
    }
  } finally {
    await Promise.all([ours.stop(), seed.stop()]);
    await Promise.all([oursDb.drop(), seedDb.drop()]);
  }
  const latencyFigure = (name: string, values: number[], goalMs: number): Figure => ({
    section: "latency",
    name,
    unit: "ms",
    ours: values,
    baselineName: "select 1 p50",
    baseline: rt,
    ratioLabel: "× select 1",
    ratio: (o, b) => o / b,
    goal: `≤ ${goalMs} ms`,
    met: (o) => o <= goalMs,
  });
  const figures = [
    latencyFigure("delivery latency p50, 1 run", single.p50, 5),
    latencyFigure("delivery latency p99, 1 run", single.p99, 20),
  ];
  for (const [stepDelayMs, m] of many) {
    // Each run appends 12 events over 5 steps.
    const rate = Math.round((latency.concurrentRuns * 12 * 1000) / (5 * stepDelayMs));
    const label = `${latency.concurrentRuns} concurrent runs, stepDelayMs ${stepDelayMs} (≈${rate.toLocaleString("en-US")} events/s)`;
    figures.push(
      latencyFigure(`delivery latency p50, ${label}`, m.p50, 5),
      latencyFigure(`delivery latency p99, ${label}`, m.p99, 20),
    );
  }
  figures.push(
    {
      section: "latency",
      name: "seed design (25 ms polling outbox) vs ours, p50, 1 run",
      unit: "ms",
      ours: single.p50,
      baselineName: "seed p50",
      baseline: seedSingle.p50,
      ratioLabel: "seed / ours",
      ratio: (o, b) => b / o,
      goal: "ours ≥ 5× lower p50",
      met: (o, b) => b / o >= 5,
    },
    {
      section: "latency",
      name: "seed design (25 ms polling outbox) vs ours, p99, 1 run",
      unit: "ms",
      ours: single.p99,
      baselineName: "seed p99",
      baseline: seedSingle.p99,
      ratioLabel: "seed / ours",
      ratio: (o, b) => b / o,
      goal: "(info)",
    },
  );
  return figures;
}
