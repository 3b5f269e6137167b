import type { Db } from "../../db/client";
import type { TerminalStatus } from "../../shared/run-status";
import type { AppendGuard } from "./append";
import { createRun, type Admission, type NewRun, type StartOutcome } from "./create-run";
import { GroupCommit } from "./group-commit";
import { QueuedRunWakes } from "./queued-run-wakes";
import type { EventSource, NewEvent, RunEvent } from "./types";

export interface EventLogHooks {
  /**
   * Publishes committed events now rather than at the outbox's next poll. Appends publish their
   * own events (a run's first append its RunStarted too) unless `publishesOnAppend` is false (the
   * seed design: the poll alone publishes).
   */
  outbox: { wake(): void; readonly publishesOnAppend?: boolean };
  metrics: {
    eventAppended(): void;
    runFinished(status: TerminalStatus): void;
    runResumed(reason: string): void;
    /** `appendedAt`: the ts of events published (here: by their own append). */
    eventsPublished?(appendedAt: number[]): void;
  };
}

/**
 * The one way events enter a run's log. Every write is followed by what must follow it (the
 * outbox woken, the append counted), so no caller has to remember to do it.
 */
export class EventLog {
  /** Appends from many runs in one statement; exposed for the tests that check batches form. */
  readonly groupCommit: GroupCommit;
  private readonly publishOnAppend: boolean;
  private readonly queuedRunWakes: QueuedRunWakes;

  constructor(
    readonly db: Db,
    private readonly hooks: EventLogHooks,
  ) {
    this.publishOnAppend = hooks.outbox.publishesOnAppend !== false;
    this.groupCommit = new GroupCommit(db, this.publishOnAppend, (startedAt) =>
      hooks.metrics.eventsPublished?.(startedAt),
    );
    this.queuedRunWakes = new QueuedRunWakes(db);
  }

  /**
   * Creates a queued run with its RunStarted, unless a limit of `admission` refuses it (checked
   * under the owner's lock, in the same statement) or the owner already has a run with the same
   * request key: nothing is written then. Every instance's executor is told after the commit; the
   * RunStarted is published by the run's first append (create-run.ts).
   */
  async start(run: NewRun, admission?: Admission): Promise<StartOutcome> {
    const outcome = await createRun(this.db, run, admission);
    if ("created" in outcome) {
      this.hooks.metrics.eventAppended();
      if (!this.publishOnAppend) this.hooks.outbox.wake();
      this.queuedRunWakes.queued(outcome.created.id);
    }
    return outcome;
  }

  /**
   * Appends one event while `guard` holds; null when it no longer does (finished, or lease lost).
   * Appends of other runs asked for in the same turn are committed with it (group commit).
   */
  async append(runId: string, event: NewEvent, guard: AppendGuard): Promise<RunEvent | null> {
    const stored = await this.groupCommit.append(runId, event, guard);
    if (stored) this.appended(stored);
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

  /** `event` was appended, and published by its own statement unless the poll alone publishes. */
  private appended(event: RunEvent): void {
    const { metrics, outbox } = this.hooks;
    metrics.eventAppended();
    if (event.type === "RunFinished" && event.status) metrics.runFinished(event.status);
    if (event.type === "RunResumed" && event.reason) metrics.runResumed(event.reason);
    if (this.publishOnAppend) metrics.eventsPublished?.([event.ts]);
    else outbox.wake();
  }
}
