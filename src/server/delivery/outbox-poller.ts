import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";
import { eventJson, notifyChunks } from "../events/publication-sql";
import type { RunEvent } from "../events/types";
import type { Logger } from "../log";
import { WakeLoop } from "../wake-loop";

export interface OutboxPollerOptions {
  db: Db;
  pollMs: number;
  batchSize: number;
  /**
   * Publish as soon as an append wakes the poller (the default). False leaves publication to the
   * backstop poll alone, the seed design's outbox, which the latency benchmark compares against.
   */
  wakeOnAppend?: boolean;
  log: Logger;
  /** Called after each committed batch with the events it published (metrics). */
  onPublished?: (events: RunEvent[]) => void;
}

/**
 * Publishes run_outbox rows: claims unpublished rows with FOR UPDATE SKIP LOCKED (so several
 * instances share the work), sets published_at and NOTIFYs the events in the same transaction,
 * so an event is announced exactly when it is marked published. Appends publish their own events
 * in their own statement, a run's first append its RunStarted too (events/publication-sql.ts), so
 * what is left here is the rows another (possibly dead, or earlier-release) instance left behind
 * and the RunStarted of runs still queued: the polling backstop; and, in the seed design, everything.
 */
export class OutboxPoller {
  private readonly loop: WakeLoop;

  constructor(private readonly options: OutboxPollerOptions) {
    this.loop = new WakeLoop({
      work: () => this.publishUntilEmpty(),
      pollMs: options.pollMs,
      onError: (error) => options.log.error({ err: error }, "outbox publish failed; will retry"),
    });
  }

  start(): void {
    this.loop.start();
  }

  /**
   * Whether starts and appends publish and announce their own events in their statement (the
   * default); false is the seed design, where the poll alone publishes.
   */
  get publishesOnAppend(): boolean {
    return this.options.wakeOnAppend !== false;
  }

  /** Publishes everything pending soon; calls made while a cycle runs coalesce into one more cycle. */
  wake(): void {
    if (this.options.wakeOnAppend !== false) this.loop.wake();
  }

  /** Waits until every row that was unpublished when called has been published. */
  async drain(): Promise<void> {
    await this.loop.settled();
    while ((await this.publishBatch()) > 0);
  }

  /** Stops polling, then finishes the cycle in flight so nothing is claimed and left half-done. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  get isRunning(): boolean {
    return this.loop.isActive;
  }

  private async publishUntilEmpty(): Promise<void> {
    while (this.loop.isActive && (await this.publishBatch()) === this.options.batchSize);
  }

  /**
   * Publishes one batch; returns how many rows it claimed. One statement, so one round trip and
   * one commit: it claims the oldest unpublished rows (FOR UPDATE SKIP LOCKED), sets published_at,
   * builds each event's JSON in the database and pg_notifies it in payload-sized chunks, in id order.
   * The min(id) floor is there for the index, not the logic: published rows stay in the partial
   * index of unpublished ones until VACUUM, and the planner's bitmap scan would read every one of
   * them on each claim. min() walks the index in order and marks the dead entries it passes, so
   * every later scan skips them.
   * Each event is read by its key in a subquery rather than by a join: the statement is prepared,
   * and a join planned while run_events was small was a hash join over a sequential scan of
   * run_events, kept for the connection's life however large the table grew.
   * Its commit does not wait for the WAL flush (synchronous_commit off, this transaction only): the
   * events were made durable by their own append, and a published_at lost in a crash only means
   * they are announced again, which subscribers drop by seq.
   */
  async publishBatch(): Promise<number> {
    const withEvents = this.options.onPublished !== undefined;
    const [result] = await queryRows<{ claimed: number; events: string | null }>(
      this.options.db,
      sql`with published as (
            update run_outbox set published_at = now()
            where id = any(array(
              select id from run_outbox
              where published_at is null and id >= (select min(id) from run_outbox where published_at is null)
              order by id limit ${this.options.batchSize}::int for update skip locked
            ))
            returning id, run_id, seq
          ), events as materialized (
            select p.id as k,
                   (select ${eventJson("e")} from run_events e where e.run_id = p.run_id and e.seq = p.seq) as json
            from published p
          ), ${notifyChunks("events")}, async_commit as (
            select set_config('synchronous_commit', 'off', true)
          )
          select (select count(*) from async_commit)::int as async_commit,
                 (select count(*) from published)::int as claimed,
                 (select count(*) from notified)::int as notifications,
                 ${withEvents ? sql`(select '[' || string_agg(json, ',' order by k) || ']' from events)` : sql`null`} as events`,
    );
    const claimed = result?.claimed ?? 0;
    if (claimed > 0 && result?.events) this.options.onPublished?.(JSON.parse(result.events) as RunEvent[]);
    return claimed;
  }
}
