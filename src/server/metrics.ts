import { asc, isNull, sql } from "drizzle-orm";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/client";
import { runOutbox, runs } from "../db/schema";
import { TERMINAL_STATUSES, type TerminalStatus } from "../shared/run-status";

export interface MetricsSources {
  db: Db;
  activeSubscriptions: () => number;
  executorActiveRuns: () => number;
  executorConcurrency: number;
}

/**
 * Prometheus metrics of one instance, on a registry of its own (several servers may share a
 * process in tests). Counters are fed by the server; the gauges that describe the database are
 * read at scrape time, each through a partial index (queued, running, unpublished rows) so a
 * scrape costs the same however many runs have ever finished.
 */
export function createMetrics(sources: MetricsSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "live_runs_" });
  const eventsAppended = new Counter({
    name: "live_runs_events_appended_total",
    help: "Run events appended by this instance",
    registers: [registry],
  });
  const eventsPublished = new Counter({
    name: "live_runs_events_published_total",
    help: "Run events published from the outbox by this instance",
    registers: [registry],
  });
  const publishLatency = new Histogram({
    name: "live_runs_publish_latency_seconds",
    help: "Time from an event's append to its publication from the outbox",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const runsFinished = new Counter({
    name: "live_runs_runs_finished_total",
    help: "Runs this instance finished (appended their RunFinished), by final status",
    labelNames: ["status"] as const,
    registers: [registry],
  });
  for (const status of TERMINAL_STATUSES) runsFinished.inc({ status }, 0);
  const runsResumed = new Counter({
    name: "live_runs_runs_resumed_total",
    help: "Runs this instance resumed (appended their RunResumed), by why their previous execution ended",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  for (const reason of ["executor_lost", "shutdown"]) runsResumed.inc({ reason }, 0);
  new Gauge({
    name: "live_runs_outbox_lag_seconds",
    help: "Age of the oldest unpublished outbox row (0 when none)",
    registers: [registry],
    async collect() {
      const [oldest] = await sources.db
        .select({ createdAt: runOutbox.createdAt })
        .from(runOutbox)
        .where(isNull(runOutbox.publishedAt))
        .orderBy(asc(runOutbox.id))
        .limit(1);
      this.set(oldest ? Math.max(0, Date.now() - oldest.createdAt.getTime()) / 1000 : 0);
    },
  });
  new Gauge({
    name: "live_runs_runs_active",
    help: "Runs in the database that are queued or running",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      // Literal statuses, not parameters: the planner must see the partial indexes' own predicates.
      const [queued, running] = await Promise.all([
        sources.db.$count(runs, sql`${runs.status} = 'queued'`),
        sources.db.$count(runs, sql`${runs.status} = 'running'`),
      ]);
      this.set({ status: "queued" }, queued);
      this.set({ status: "running" }, running);
    },
  });
  new Gauge({
    name: "live_runs_active_subscriptions",
    help: "Open run.events and run.activity subscriptions on this instance",
    registers: [registry],
    collect() {
      this.set(sources.activeSubscriptions());
    },
  });
  new Gauge({
    name: "live_runs_executor_active_runs",
    help: "Runs this instance is executing now",
    registers: [registry],
    collect() {
      this.set(sources.executorActiveRuns());
    },
  });
  new Gauge({
    name: "live_runs_executor_concurrency",
    help: "Runs this instance may execute at once",
    registers: [registry],
    collect() {
      this.set(sources.executorConcurrency);
    },
  });
  const outboxRowsPurged = new Counter({
    name: "live_runs_outbox_rows_purged_total",
    help: "Published outbox rows deleted by this instance",
    registers: [registry],
  });
  const runsPurged = new Counter({
    name: "live_runs_runs_purged_total",
    help: "Finished runs deleted by this instance under RUN_RETENTION_DAYS",
    registers: [registry],
  });
  return {
    registry,
    outboxRowsPurged: (count: number) => outboxRowsPurged.inc(count),
    runsPurged: (count: number) => runsPurged.inc(count),
    eventAppended: () => eventsAppended.inc(),
    runFinished: (status: TerminalStatus) => runsFinished.inc({ status }),
    runResumed: (reason: string) => runsResumed.inc({ reason }),
    /** `appendedAt`: the events' ts (epoch ms), to observe how long each waited in the outbox. */
    eventsPublished(appendedAt: number[]) {
      eventsPublished.inc(appendedAt.length);
      const now = Date.now();
      for (const ts of appendedAt) publishLatency.observe(Math.max(0, now - ts) / 1000);
    },
  };
}
