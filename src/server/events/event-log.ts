import type { Db } from "../../db/client";
import type { TerminalStatus } from "../../shared/run-status";
import type { AppendGuard } from "./append";
import { createRun, type Admission, type NewRun, type StartOutcome } from "./create-run";
import { GroupCommit } from "./group-commit";
import type { EventSource, NewEvent, RunEvent } from "./types";

export interface EventLogHooks {
  /** Publishes committed events now rather than at the outbox's next poll. */
  outbox: { wake(): void };
  metrics: { eventAppended(): void; runFinished(status: TerminalStatus): void; runResumed(reason: string): void };
}

/**
 * The one way events enter a run's log. Every write is followed by what must follow it (the
 * outbox woken, the append counted), so no caller has to remember to do it.
 */
export class EventLog {
  /** Appends from many runs in one statement; exposed for the tests that check batches form. */
  readonly groupCommit: GroupCommit;

  constructor(
    readonly db: Db,
    private readonly hooks: EventLogHooks,
  ) {
    this.groupCommit = new GroupCommit(db);
  }

  /**
   * Creates a queued run with its RunStarted, unless a limit of `admission` refuses it (checked
   * under the owner's lock, in the same statement) or the owner already has a run with the same
   * request key: nothing is written then.
   */
  async start(run: NewRun, admission?: Admission): Promise<StartOutcome> {
    const outcome = await createRun(this.db, run, admission);
    if ("created" in outcome) this.appended();
    return outcome;
  }

  /**
   * Appends one event while `guard` holds; null when it no longer does (finished, or lease lost).
   * Appends of other runs asked for in the same turn are committed with it (group commit).
   */
  async append(runId: string, event: NewEvent, guard: AppendGuard): Promise<RunEvent | null> {
    const stored = await this.groupCommit.append(runId, event, guard);
    if (stored) this.appended(event);
    return stored;
  }

  /** Appends the run's RunFinished, which also moves it to `status`. */
  finish(
    runId: string,
    outcome: { status: TerminalStatus; reason?: string },
    source: EventSource,
    guard: AppendGuard,
  ): Promise<RunEvent | null> {
    return this.append(runId, { type: "RunFinished", source, ...outcome }, guard);
  }

  private appended(event?: NewEvent): void {
    this.hooks.metrics.eventAppended();
    if (event?.type === "RunFinished" && event.status) this.hooks.metrics.runFinished(event.status);
    if (event?.type === "RunResumed" && event.reason) this.hooks.metrics.runResumed(event.reason);
    this.hooks.outbox.wake();
  }
}
