// The executor of one instance: claims runs (queued, then abandoned), executes them under a lease,
// renews and hands back leases, and stops them on cancel or shutdown. One piece because those share
// the set of executions and the wake-up loop; the parts are in leases.ts, resume.ts, run-plan.ts.
import { RUN_CANCEL_CHANNEL, RUN_QUEUED_CHANNEL } from "../../db/channels";
import type { Database } from "../../db/client";
import type { PlanRegistry } from "../../plans/registry";
import type { EventLog } from "../events/event-log";
import type { Logger } from "../log";
import { WakeLoop } from "../wake-loop";
import { executionWriter } from "./execution-writer";
import { claimQueuedRuns, handBackLeases, renewLeases, takeAbandonedRuns, type ClaimedRun } from "./leases";
import { planInputOf } from "./plan-input";
import { openResumedExecution, type Append } from "./resume";
import { runPlan, type Interruption } from "./run-plan";

export interface ExecutorSettings {
  concurrency: number;
  /** Runs of one owner (anonymous owners: of one address) this instance executes at once (a node cannot be preempted). */
  slotsPerOwner: number;
  /** Backstop poll for queued runs whose NOTIFY was missed, and for runs whose lease expired. */
  pollMs: number;
  leaseMs: number;
  heartbeatMs: number;
  nodeTimeoutMs: number;
  /** Executions a run may lose to crashed instances; losing the last one fails it executor_lost. */
  maxRunAttempts: number;
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

/**
 * Claims queued runs (FOR UPDATE SKIP LOCKED, so each run goes to exactly one instance), holds
 * them by a lease renewed on every heartbeat, and executes their plan with at most `concurrency`
 * runs at a time. Cancel requests arrive by NOTIFY, with the heartbeat as a backstop. Runs that
 * no instance holds any more (lease expired, or handed back at shutdown) are resumed first.
 */
export class RunExecutor {
  private readonly active = new Map<string, { tenant: string; controller: AbortController; done: Promise<void> }>();
  private readonly claims: WakeLoop;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly unlisteners: (() => Promise<void>)[] = [];
  private state: ExecutorState = "stopped";
  /** When abandoned runs were last all looked for (epoch ms), and whether to look again at once. */
  private abandonedCheckedAt = Number.NEGATIVE_INFINITY;
  private abandonedHint = true;

  constructor(private readonly options: RunExecutorOptions) {
    this.claims = new WakeLoop({
      work: () => this.claimAvailable(),
      pollMs: options.pollMs,
      onError: (error) => options.log.error({ err: error }, "claiming runs failed; will retry"),
    });
  }

  async start(): Promise<void> {
    const { database, heartbeatMs } = this.options;
    this.state = "accepting";
    this.unlisteners.push(
      // Wake on (re)connect too: a run queued while the listener was down sent its NOTIFY to nobody.
      // A hand-back notifies with no run id: its runs are abandoned ones, to be looked for at once.
      await database.listen(
        RUN_QUEUED_CHANNEL,
        (runId) => {
          if (!runId) this.abandonedHint = true;
          this.wake();
        },
        () => {
          this.abandonedHint = true;
          this.wake();
        },
      ),
      await database.listen(RUN_CANCEL_CHANNEL, (runId) => this.interrupt(runId, "user_cancelled")),
    );
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), heartbeatMs);
    this.claims.start();
  }

  /**
   * Graceful stop: claims nothing more, but keeps renewing leases and hearing cancels while the
   * runs in flight get up to graceMs to finish; then aborts what is left and hands those runs
   * back, still running, for another instance to resume at once.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.state !== "accepting") return;
    const { database, instanceId, log } = this.options;
    this.state = "draining";
    await this.claims.stop();
    const inFlight = () => Promise.all([...this.active.values()].map((run) => run.done));
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, graceMs)));
    await Promise.race([inFlight(), graceOver]);
    clearTimeout(graceTimer);
    for (const runId of this.active.keys()) this.interrupt(runId, "shutdown");
    await inFlight();
    try {
      const handedBack = await handBackLeases(database.db, instanceId);
      if (handedBack.length > 0) log.info({ runIds: handedBack }, "runs in flight handed back to other instances");
    } catch (error) {
      log.error({ err: error }, "handing runs back failed; they are resumed when their leases expire");
    }
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await Promise.all(this.unlisteners.splice(0).map((unlisten) => unlisten()));
    this.state = "stopped";
  }

  get activeCount(): number {
    return this.active.size;
  }

  /** Claims runs up to the free capacity soon; calls made meanwhile coalesce into one more claim. */
  wake(): void {
    this.claims.wake();
  }

  /** Aborts the run if this instance executes it. */
  interrupt(runId: string, reason: Interruption): void {
    this.active.get(runId)?.controller.abort(reason);
  }

  /**
   * Resumes abandoned runs first (they were running already), then claims queued ones, up to the
   * free capacity. Abandoned runs are looked for once per poll interval (a lease expires with time,
   * not with a start), or at once after a hand-back or a reconnect: not on every wake, which comes
   * with every run started or finished.
   */
  private async claimAvailable(): Promise<void> {
    const { database, instanceId, leaseMs, concurrency, slotsPerOwner, pollMs } = this.options;
    const lease = { instanceId, leaseMs };
    for (;;) {
      const free = concurrency - this.active.size;
      if (this.state !== "accepting" || free <= 0) return;
      const lookedAt = Date.now();
      // Half the poll interval: every backstop poll looks, a wake in between mostly does not.
      const due = this.abandonedHint || lookedAt - this.abandonedCheckedAt >= pollMs / 2;
      this.abandonedHint = false;
      const resumed = due ? await takeAbandonedRuns(database.db, lease, free, [...this.active.keys()]) : [];
      // A look that ran out of capacity may have left some: look again at the next chance.
      if (due && resumed.length < free) this.abandonedCheckedAt = lookedAt;
      else if (due) this.abandonedHint = true;
      for (const run of resumed) this.execute(run);
      const room = free - resumed.length;
      const queued =
        room > 0 ? await claimQueuedRuns(database.db, lease, room, { slotsPerOwner, held: this.runsPerTenant() }) : [];
      for (const run of queued) this.execute(run);
      if (resumed.length + queued.length < free) return;
    }
  }

  private runsPerTenant(): Map<string, number> {
    const held = new Map<string, number>();
    for (const { tenant } of this.active.values()) held.set(tenant, (held.get(tenant) ?? 0) + 1);
    return held;
  }

  private execute(run: ClaimedRun): void {
    const { id: runId, tenant, attempt } = run;
    const { eventLog, instanceId, leaseMs, log } = this.options;
    const controller = new AbortController();
    log.info({ runId, plan: run.plan, attempt, resumed: run.resumed?.reason }, "run claimed");
    const append = executionWriter({
      run,
      eventLog,
      instanceId,
      leaseMs,
      log,
      onLost: () => controller.abort("lease_lost" satisfies Interruption),
    });
    const done = this.executeRun(run, controller.signal, append)
      // Unable to append for as long as the lease lasts: stop here; the lease expires and the run is resumed.
      .catch((error: unknown) => log.error({ err: error, runId }, "run execution stopped"))
      .finally(() => {
        this.active.delete(runId);
        this.wake();
      });
    this.active.set(runId, { tenant, controller, done });
  }

  private async executeRun(run: ClaimedRun, signal: AbortSignal, append: Append): Promise<void> {
    const planned = planInputOf(this.options.plans, run);
    if ("problem" in planned) {
      await append({ type: "RunFinished", status: "failed", reason: planned.problem });
      return;
    }
    const { database, maxRunAttempts, nodeTimeoutMs, plans } = this.options;
    const { resumed } = run;
    const completed = resumed
      ? await openResumedExecution({
          db: database.db,
          run: { ...run, resumed },
          plan: planned.plan,
          maxRunAttempts,
          append,
        })
      : undefined;
    if (completed === null) return;
    await runPlan({ ...planned, settings: plans.settings, completed, nodeTimeoutMs, signal, append });
  }

  /**
   * Renews the leases of the runs in flight and picks up cancel requests whose NOTIFY was missed.
   * A run whose lease was not renewed is stopped here at once rather than at its next refused
   * append: it went on elsewhere (taken over while this instance was stalled), or it has ended —
   * mostly by its own RunFinished, committed while the renewal waited for its row lock and not yet
   * seen by its execution here, which is no news.
   */
  private async heartbeat(): Promise<void> {
    const ids = [...this.active.keys()];
    if (ids.length === 0) return;
    const { database, instanceId, leaseMs, log } = this.options;
    try {
      const { renewed, takenOver } = await renewLeases(database.db, instanceId, leaseMs, ids);
      const held = new Set(renewed.map((run) => run.id));
      const elsewhere = new Set(takenOver);
      for (const run of renewed) if (run.cancelRequested) this.interrupt(run.id, "user_cancelled");
      for (const runId of ids) {
        if (held.has(runId) || !this.active.has(runId)) continue;
        if (elsewhere.has(runId)) log.warn({ runId }, "lease not renewed: the run went on elsewhere; stopping it here");
        else log.debug({ runId }, "lease not renewed: the run has ended; stopping its execution here");
        this.interrupt(runId, "lease_lost");
      }
    } catch (error) {
      log.error({ err: error }, "lease heartbeat failed; will retry");
    }
  }
}
