import { parseArgs } from "node:util";

export const SECTIONS = ["latency", "throughput", "fanout", "backfill", "timeline"] as const;
export type Section = (typeof SECTIONS)[number];
/** Run when --only is not given: timeline needs a production build and Chromium, so it is asked for by name. */
export const DEFAULT_SECTIONS: readonly Section[] = ["latency", "throughput", "fanout", "backfill"];

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
  timeline: {
    /** Lengths of the finished runs opened in the page. */
    sizes: number[];
    /** Repetitions per size (each look at a long run on today's page takes tens of seconds). */
    reps: number;
    /** Repetitions of the canonical baseline. */
    baselineReps: number;
    /** Longest a look may take before it is reported as "> cap". */
    capMs: number;
    /** The live run: it waits quietMs (the page loads), then appends `events` at eventsPerSecond. */
    live: { quietMs: number; eventsPerSecond: number; events: number };
  };
  cpuProf: boolean;
  record: boolean;
}

export const usage = `npm run bench -- [options]

  --quick                 modest sizes, 3 repetitions, under 5 minutes (the default)
  --full                  larger samples, 5 repetitions, fan-out to 1,000 and 10,000 subscribers
  --only <list>           comma-separated sections: ${SECTIONS.join(",")}
                          (default: ${DEFAULT_SECTIONS.join(",")}; timeline runs only when named,
                          as it needs a production build, npm run build, and Chromium)
  --reps <n>              repetitions per figure (medians are reported; the timeline section's
                          long runs default to 1, its canonical baseline to 3)
  --subscribers <list>    fan-out sizes, e.g. 1000,10000
  --backfill-events <n>   length of the backfill fixture run (default 100000)
  --timeline-sizes <list> finished runs the timeline section opens (default 2000,20000,100000)
  --timeline-cap-ms <n>   longest one look of the timeline section may take (default 60000)
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
      "timeline-sizes": { type: "string" },
      "timeline-cap-ms": { type: "string" },
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
    : [...DEFAULT_SECTIONS];
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
    timeline: {
      sizes: values["timeline-sizes"]
        ? values["timeline-sizes"].split(",").map((s) => {
            const n = int(s, 0, "--timeline-sizes");
            if (n < 13) throw new Error("--timeline-sizes: a run has at least 13 events");
            return n;
          })
        : [2_000, 20_000, 100_000],
      reps: int(values.reps, 1, "--reps"),
      baselineReps: int(values.reps, 3, "--reps"),
      capMs: int(values["timeline-cap-ms"], 60_000, "--timeline-cap-ms"),
      live: { quietMs: 3_000, eventsPerSecond: 1_000, events: 10_000 },
    },
    cpuProf: values["cpu-prof"] === true,
    record: values.record === true,
  };
}
