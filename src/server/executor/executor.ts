import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { runs } from "../../db/schema";
import { RUN_CANCEL_CHANNEL, RUN_QUEUED_CHANNEL } from "../channels";
import type { Logger } from "../log";
import { appendEvent } from "../runs/append";
import type { PlanNode } from "./plan";
import { runPlan, type Interruption } from "./run-plan";

export interface RunExecutorOptions {
  database: Database;
  /** Identifies this instance as the lease owner of the runs it executes. */
  instanceId: string;
  concurrency: number;
  pollMs: number;
  leaseMs: number;
  heartbeatMs: number;
  nodeTimeoutMs: number;
  plan: readonly PlanNode[];
  /** Called after every append so the outbox publishes it at once. */
  onAppended: () => void;
  log: Logger;
}

/**
 * Claims queued runs (FOR UPDATE SKIP LOCKED, so each run goes to exactly one instance), holds
 * them by a lease renewed on every heartbeat, and executes their plan with at most `concurrency`
 * runs at a time. Cancel requests arrive by NOTIFY, with the heartbeat as a backstop.
 */
export class RunExecutor {
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unlisteners: (() => Promise<void>)[] = [];
  private claiming: Promise<void> | null = null;
  private claimAgain = false;
  private accepting = false;

  constructor(private readonly options: RunExecutorOptions) {}

  async start(): Promise<void> {
    const { database, pollMs, heartbeatMs } = this.options;
    this.accepting = true;
    this.unlisteners.push(
      // Wake on (re)connect too: a run queued while the listener was down sent its NOTIFY to nobody.
      await database.listen(
        RUN_QUEUED_CHANNEL,
        () => this.wake(),
        () => this.wake(),
      ),
      await database.listen(RUN_CANCEL_CHANNEL, (runId) => this.interrupt(runId, "user_cancelled")),
    );
    this.timers.push(
      setInterval(() => this.wake(), pollMs),
      setInterval(() => void this.heartbeat().then(() => this.sweepExpiredLeases()), heartbeatMs),
    );
    this.wake();
  }

  /** Stops claiming; lets runs in flight finish for up to graceMs, then ends them as executor_lost. */
  async stop(graceMs: number): Promise<void> {
    this.accepting = false;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.all(this.unlisteners.splice(0).map((unlisten) => unlisten()));
    await this.claiming;
    const inFlight = () => Promise.all([...this.active.values()].map((run) => run.done));
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, graceMs)));
    await Promise.race([inFlight(), graceOver]);
    clearTimeout(graceTimer);
    for (const runId of this.active.keys()) this.interrupt(runId, "executor_lost");
    await inFlight();
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Claims queued runs up to the free capacity; calls made meanwhile coalesce into one more claim. */
  wake(): void {
    if (!this.accepting) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claimAvailable()
      .catch((error: unknown) => this.options.log.error({ err: error }, "claiming queued runs failed; will retry"))
      .finally(() => {
        this.claiming = null;
        if (this.claimAgain) {
          this.claimAgain = false;
          this.wake();
        }
      });
  }

  /** Aborts the run if this instance executes it. */
  interrupt(runId: string, reason: Interruption): void {
    this.active.get(runId)?.controller.abort(reason);
  }

  private async claimAvailable(): Promise<void> {
    const { database, instanceId, leaseMs, concurrency } = this.options;
    for (;;) {
      const free = concurrency - this.active.size;
      if (!this.accepting || free <= 0) return;
      const queued = database.db
        .select({ id: runs.id })
        .from(runs)
        .where(eq(runs.status, "queued"))
        .orderBy(asc(runs.createdAt))
        .limit(free)
        .for("update", { skipLocked: true });
      const claimed = await database.db
        .update(runs)
        .set({
          status: "running",
          startedAt: sql`now()`,
          leaseOwner: instanceId,
          leaseExpiresAt: sql`now() + ${leaseMs} * interval '1 millisecond'`,
        })
        .where(inArray(runs.id, queued))
        .returning({ id: runs.id, stepDelayMs: runs.stepDelayMs });
      for (const run of claimed) this.execute(run.id, run.stepDelayMs);
      if (claimed.length < free) return;
    }
  }

  private execute(runId: string, stepDelayMs: number): void {
    const { database, instanceId, plan, nodeTimeoutMs, onAppended, log } = this.options;
    const controller = new AbortController();
    log.info({ runId, stepDelayMs }, "run claimed");
    const done = runPlan({
      plan,
      stepDelayMs,
      nodeTimeoutMs,
      signal: controller.signal,
      append: async (event) => {
        const appended = await appendEvent(
          database.db,
          runId,
          { ...event, source: "worker" },
          { status: "running", leaseOwner: instanceId },
        );
        if (!appended) {
          log.warn({ runId }, "run is no longer held by this instance; stopping it");
          return null;
        }
        onAppended();
        const fields = { runId, seq: appended.seq, type: appended.type };
        if (appended.type === "RunFinished")
          log.info({ ...fields, status: appended.status, reason: appended.reason }, "run finished");
        else log.debug(fields, "event appended");
        return appended;
      },
    })
      // Unable to append (database unreachable): stop here; the lease lapses and a sweep ends the run executor_lost.
      .catch((error: unknown) => log.error({ err: error, runId }, "run execution stopped"))
      .finally(() => {
        this.active.delete(runId);
        this.wake();
      });
    this.active.set(runId, { controller, done });
  }

  /**
   * Ends runs whose executor vanished (its lease expired without renewal): this instance takes
   * the lease over, so a zombie executor's appends are refused, and writes RunFinished
   * failed/executor_lost. Runs are not resumed: their nodes are not idempotent.
   */
  private async sweepExpiredLeases(): Promise<void> {
    if (!this.accepting) return;
    const { database, instanceId, leaseMs, onAppended, log } = this.options;
    try {
      const expired = database.db
        .select({ id: runs.id })
        .from(runs)
        .where(and(eq(runs.status, "running"), lt(runs.leaseExpiresAt, sql`now()`)))
        .limit(100)
        .for("update", { skipLocked: true });
      const taken = await database.db
        .update(runs)
        .set({ leaseOwner: instanceId, leaseExpiresAt: sql`now() + ${leaseMs} * interval '1 millisecond'` })
        .where(inArray(runs.id, expired))
        .returning({ id: runs.id });
      for (const { id } of taken) {
        const finished = await appendEvent(
          database.db,
          id,
          { type: "RunFinished", source: "worker", status: "failed", reason: "executor_lost" },
          { status: "running", leaseOwner: instanceId },
        );
        if (finished) {
          onAppended();
          log.warn({ runId: id, seq: finished.seq }, "run's executor was lost; finished it as failed");
        }
      }
    } catch (error) {
      log.error({ err: error }, "sweeping expired leases failed; will retry");
    }
  }

  /** Renews the leases of the runs in flight and picks up cancel requests whose NOTIFY was missed. */
  private async heartbeat(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    const { database, instanceId, leaseMs, log } = this.options;
    try {
      const renewed = await database.db
        .update(runs)
        .set({ leaseExpiresAt: sql`now() + ${leaseMs} * interval '1 millisecond'` })
        .where(and(inArray(runs.id, ids), eq(runs.status, "running"), eq(runs.leaseOwner, instanceId)))
        .returning({ id: runs.id, cancelRequestedAt: runs.cancelRequestedAt });
      for (const run of renewed) if (run.cancelRequestedAt) this.interrupt(run.id, "user_cancelled");
    } catch (error) {
      log.error({ err: error }, "lease heartbeat failed; will retry");
    }
  }
}
