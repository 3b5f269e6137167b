import { parseArgs } from "node:util";

export const SECTIONS = ["latency", "throughput", "fanout", "backfill"] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  mode: "quick" | "full";
  reps: number;
  sections: Section[];
  adminUrl: string;
  /** Settings of every server the bench starts (the seed variant adds its own outbox knob). */
  serverEnv: Record<string, string>;
  latency: {
    singleRuns: number;
    singleStepDelayMs: number;
    concurrentRuns: number;
    /** One measurement per step delay: the API default (500 ms), and a heavier load. */
    concurrentStepDelaysMs: number[];
    waves: number;
  };
  throughput: { clients: number; inFlightPerClient: number; warmupMs: number; measureMs: number };
  fanout: {
    subscribers: number[];
    processes: (subscribers: number) => number;
    /**
     * Long enough for every subscriber to attach before the first step ends. Past 2,000 subscribers
     * the steps get long, so the run is cancelled after the first step: its events and RunFinished
     * are the ones measured.
     */
    stepDelayMs: (subscribers: number) => number;
    rawStepMs: number;
  };
  backfill: { events: number };
  cpuProf: boolean;
  record: boolean;
}

export const usage = `npm run bench -- [options]

  --quick                 modest sizes, 3 repetitions, under 5 minutes (the default)
  --full                  larger samples, 5 repetitions, fan-out to 1,000 and 10,000 subscribers
  --only <list>           comma-separated sections: ${SECTIONS.join(",")}
  --reps <n>              repetitions per figure (medians are reported)
  --subscribers <list>    fan-out sizes, e.g. 1000,10000
  --backfill-events <n>   length of the backfill fixture run (default 100000)
  --measure-ms <n>        throughput measurement window per repetition
  --admin-url <url>       Postgres server to create the bench databases on
                          (default: $BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --cpu-prof              write server CPU profiles to bench/results/profiles/
  --record                write the results table into BENCHMARKS.md
  --help`;

export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" },
      full: { type: "boolean" },
      only: { type: "string" },
      reps: { type: "string" },
      subscribers: { type: "string" },
      "backfill-events": { type: "string" },
      "measure-ms": { type: "string" },
      "admin-url": { type: "string" },
      "cpu-prof": { type: "boolean" },
      record: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return null;
  if (values.quick && values.full) throw new Error("--quick and --full exclude each other");
  const full = values.full === true;
  const int = (raw: string | undefined, fallback: number, name: string) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
    return n;
  };
  const sections = values.only
    ? values.only.split(",").map((s) => {
        if (!(SECTIONS as readonly string[]).includes(s))
          throw new Error(`unknown section ${s}; one of ${SECTIONS.join(", ")}`);
        return s as Section;
      })
    : [...SECTIONS];
  const subscribers = values.subscribers
    ? values.subscribers.split(",").map((s) => int(s, 0, "--subscribers"))
    : full
      ? [1_000, 10_000]
      : [1_000];
  return {
    mode: full ? "full" : "quick",
    reps: int(values.reps, full ? 5 : 3, "--reps"),
    sections,
    adminUrl: values["admin-url"] ?? process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    serverEnv: {
      // 100 concurrent runs must all execute at once; the rest are the defaults of src/env.ts.
      EXECUTOR_CONCURRENCY: "128",
      DATABASE_POOL_MAX: "10",
      OUTBOX_BATCH_SIZE: "500",
      OUTBOX_POLL_MS: "1000",
      // Per-owner abuse limits: the bench's few owners start far more runs than a person would.
      RUN_STARTS_PER_MINUTE: "1000000",
      ACTIVE_RUNS_PER_OWNER: "1000000",
      // Every bench client calls from 127.0.0.1, with up to 64 calls in flight each.
      REQUESTS_IN_FLIGHT_PER_ADDRESS: "1000000",
    },
    latency: {
      singleRuns: full ? 100 : 30,
      singleStepDelayMs: 20,
      concurrentRuns: 100,
      concurrentStepDelaysMs: [500, 100],
      waves: full ? 3 : 1,
    },
    throughput: {
      clients: 2,
      inFlightPerClient: 64,
      warmupMs: 1_000,
      measureMs: int(values["measure-ms"], full ? 10_000 : 4_000, "--measure-ms"),
    },
    fanout: {
      subscribers,
      processes: (n) => Math.max(2, Math.min(8, Math.ceil(n / 1_250))),
      stepDelayMs: (n) => (n <= 2_000 ? 3_000 : Math.min(60_000, n * 6)),
      rawStepMs: 250,
    },
    backfill: { events: int(values["backfill-events"], 100_000, "--backfill-events") },
    cpuProf: values["cpu-prof"] === true,
    record: values.record === true,
  };
}
