import { RUN_CANCEL_CHANNEL, RUN_QUEUED_CHANNEL } from "../../db/channels";
import type { Database } from "../../db/client";
import type { EventLog } from "../events/event-log";
import type { Logger } from "../log";
import { WakeLoop } from "../wake-loop";
import type { PlanRegistry } from "../../plans/registry";
import { appendThroughOutages } from "./append-through-outages";
import { claimQueuedRuns, renewLeases, takeExpiredLeases, type ClaimedRun } from "./leases";
import { planInputOf } from "./plan-input";
import { runPlan, type Interruption } from "./run-plan";

export interface ExecutorSettings {
  concurrency: number;
  /** Runs of one owner this instance executes at once (a node cannot be preempted). */
  slotsPerOwner: number;
  /** Backstop poll for queued runs whose NOTIFY was missed. */
  pollMs: number;
  leaseMs: number;
  heartbeatMs: number;
  nodeTimeoutMs: number;
}

export interface RunExecutorOptions extends ExecutorSettings {
  database: Database;
  eventLog: EventLog;
  /** Identifies this instance as the lease owner of the runs it executes. */
  instanceId: string;
  plans: PlanRegistry;
  log: Logger;
}

/** stopped → accepting (claims runs) → draining (finishes what it holds, claims nothing) → stopped. */
type ExecutorState = "stopped" | "accepting" | "draining";

// Expired leases taken over per sweep; the next heartbeat takes more.
const SWEEP_BATCH = 100;

/**
 * Claims queued runs (FOR UPDATE SKIP LOCKED, so each run goes to exactly one instance), holds
 * them by a lease renewed on every heartbeat, and executes their plan with at most `concurrency`
 * runs at a time. Cancel requests arrive by NOTIFY, with the heartbeat as a backstop.
 */
export class RunExecutor {
  private readonly active = new Map<string, { ownerId: string; controller: AbortController; done: Promise<void> }>();
  private readonly claims: WakeLoop;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly unlisteners: (() => Promise<void>)[] = [];
  private state: ExecutorState = "stopped";

  constructor(private readonly options: RunExecutorOptions) {
    this.claims = new WakeLoop({
      work: () => this.claimAvailable(),
      pollMs: options.pollMs,
      onError: (error) => options.log.error({ err: error }, "claiming queued runs failed; will retry"),
    });
  }

  async start(): Promise<void> {
    const { database, heartbeatMs } = this.options;
    this.state = "accepting";
    this.unlisteners.push(
      // Wake on (re)connect too: a run queued while the listener was down sent its NOTIFY to nobody.
      await database.listen(
        RUN_QUEUED_CHANNEL,
        () => this.wake(),
        () => this.wake(),
      ),
      await database.listen(RUN_CANCEL_CHANNEL, (runId) => this.interrupt(runId, "user_cancelled")),
    );
    this.heartbeatTimer = setInterval(() => void this.heartbeat().then(() => this.sweepExpiredLeases()), heartbeatMs);
    this.claims.start();
  }

  /** Stops claiming; lets runs in flight finish for up to graceMs, then ends them as executor_lost. */
  async stop(graceMs: number): Promise<void> {
    this.state = "draining";
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await Promise.all(this.unlisteners.splice(0).map((unlisten) => unlisten()));
    await this.claims.stop();
    const inFlight = () => Promise.all([...this.active.values()].map((run) => run.done));
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, graceMs)));
    await Promise.race([inFlight(), graceOver]);
    clearTimeout(graceTimer);
    for (const runId of this.active.keys()) this.interrupt(runId, "executor_lost");
    await inFlight();
    this.state = "stopped";
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Claims queued runs up to the free capacity soon; calls made meanwhile coalesce into one more claim. */
  wake(): void {
    this.claims.wake();
  }

  /** Aborts the run if this instance executes it. */
  interrupt(runId: string, reason: Interruption): void {
    this.active.get(runId)?.controller.abort(reason);
  }

  private async claimAvailable(): Promise<void> {
    const { database, instanceId, leaseMs, concurrency, slotsPerOwner } = this.options;
    for (;;) {
      const free = concurrency - this.active.size;
      if (this.state !== "accepting" || free <= 0) return;
      const claimed = await claimQueuedRuns(database.db, { instanceId, leaseMs }, free, {
        slotsPerOwner,
        held: this.runsPerOwner(),
      });
      for (const run of claimed) this.execute(run);
      if (claimed.length < free) return;
    }
  }

  private runsPerOwner(): Map<string, number> {
    const held = new Map<string, number>();
    for (const { ownerId } of this.active.values()) held.set(ownerId, (held.get(ownerId) ?? 0) + 1);
    return held;
  }

  private execute(run: ClaimedRun): void {
    const { id: runId, ownerId } = run;
    const { eventLog, instanceId, plans, nodeTimeoutMs, leaseMs, log } = this.options;
    // This executor is the run's only writer while it holds the lease: it knows the next seq.
    let lastSeq = run.lastSeq;
    const controller = new AbortController();
    log.info({ runId, plan: run.plan, stepDelayMs: run.stepDelayMs }, "run claimed");
    const done = runPlan({
      ...planInputOf(plans, run),
      nodeTimeoutMs,
      signal: controller.signal,
      append: async (event) => {
        const guard = { leaseOwner: instanceId, afterSeq: lastSeq };
        const appended = await appendThroughOutages(eventLog, runId, { ...event, source: "worker" }, guard, leaseMs);
        if (!appended) {
          log.warn({ runId }, "run is no longer held by this instance; stopping it");
          return null;
        }
        lastSeq = appended.seq;
        const fields = { runId, seq: appended.seq, type: appended.type };
        if (appended.type === "RunFinished")
          log.info({ ...fields, status: appended.status, reason: appended.reason }, "run finished");
        else log.debug(fields, "event appended");
        return appended;
      },
    })
      // Unable to append for as long as the lease lasts: stop here; a sweep ends the run executor_lost.
      .catch((error: unknown) => log.error({ err: error, runId }, "run execution stopped"))
      .finally(() => {
        this.active.delete(runId);
        this.wake();
      });
    this.active.set(runId, { ownerId, controller, done });
  }

  /**
   * Ends runs whose executor vanished (its lease expired without renewal): this instance takes
   * the lease over, so a zombie executor's appends are refused, and writes RunFinished
   * failed/executor_lost. Runs are not resumed: their nodes are not idempotent.
   */
  private async sweepExpiredLeases(): Promise<void> {
    if (this.state !== "accepting") return;
    const { database, eventLog, instanceId, leaseMs, log } = this.options;
    try {
      const taken = await takeExpiredLeases(database.db, instanceId, leaseMs, SWEEP_BATCH);
      for (const { id } of taken) {
        const lost = { status: "failed", reason: "executor_lost" } as const;
        const finished = await eventLog.finish(id, lost, "worker", { status: "running", leaseOwner: instanceId });
        if (finished) log.warn({ runId: id, seq: finished.seq }, "run's executor was lost; finished it as failed");
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
      const renewed = await renewLeases(database.db, instanceId, leaseMs, ids);
      for (const run of renewed) if (run.cancelRequestedAt) this.interrupt(run.id, "user_cancelled");
    } catch (error) {
      log.error({ err: error }, "lease heartbeat failed; will retry");
    }
  }
}
