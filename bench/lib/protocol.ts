// Messages between the bench orchestrator (bench/run.ts) and its worker processes (bench/workers/).
// Each worker reads its config from BENCH_CONFIG, may report `ready`, waits for `go` when the
// orchestrator coordinates several workers, and ends with exactly one `result` (or `error`).

export type ParentMessage =
  | { type: "go"; runId?: string; startAt?: number; /** events the run already has */ backfill?: number }
  | { type: "stop" };

export type WorkerMessage =
  | { type: "ready" }
  | { type: "subscribed"; at: number }
  | { type: "result"; data: unknown }
  | { type: "error"; message: string };

export interface LatencyConfig {
  url: string;
  /** One API token per concurrent client (each client is its own owner, as separate users would be). */
  tokens: string[];
  /** Runs in total, executed `concurrent` at a time. */
  runs: number;
  concurrent: number;
  stepDelayMs: number;
  /** Delay between starting consecutive runs of a wave, so load is spread rather than lock-stepped. */
  staggerMs: number;
}
export interface LatencyResult {
  /** Milliseconds from event ts (taken at append, +0.5 ms truncation) to arrival, for events appended once every run of the wave was subscribed. */
  samples: number[];
  /** The same for events appended while the wave's runs were still being started and subscribed. */
  rampSamples: number[];
  runs: number;
  events: number;
  errors: string[];
}

export interface ThroughputConfig {
  url: string;
  /** One API token per lane: each lane is its own client and owner, with one run in flight. */
  tokens: string[];
  warmupMs: number;
  measureMs: number;
}
export interface ThroughputResult {
  /** Events delivered to subscribers inside the measurement window. */
  eventsInWindow: number;
  windowMs: number;
  runs: number;
  events: number;
  errors: string[];
}

export interface FanoutConfig {
  mode: "trpc" | "raw";
  url: string;
  /** The run owner's token: every subscriber watches the same owner's run. */
  token: string;
  subscribers: number;
}
export interface FanoutResult {
  /** [event ts, arrival] pairs, every subscriber's, flattened. */
  ts: number[];
  arrived: number[];
  completed: number;
  errors: string[];
}

export interface BroadcastConfig {
  port: number;
  /** The events to broadcast, sent in bursts of `burst` every `stepMs`; ts is set at send time. */
  events: Record<string, unknown>[];
  burst: number;
  stepMs: number;
}

export interface BackfillConfig {
  url: string;
  token: string;
  runId: string;
  expected: number;
  /** The subscription's replay from seq 0, or a bulk reader's run.eventsPage pages of 1,000. */
  via: "events" | "eventsPage";
}
export interface BackfillResult {
  events: number;
  ms: number;
  /** The reader process's own CPU during the timed read, µs. */
  cpuUs?: number;
  errors: string[];
}

export type PgBaselineConfig =
  | { mode: "select1"; url: string; samples: number }
  | { mode: "insert"; url: string; poolMax: number; concurrency: number; warmupMs: number; measureMs: number }
  | { mode: "stream"; url: string; runId: string };
export type PgBaselineResult =
  | { mode: "select1"; samples: number[] }
  | { mode: "insert"; transactions: number; windowMs: number }
  | { mode: "stream"; rows: number; ms: number };
