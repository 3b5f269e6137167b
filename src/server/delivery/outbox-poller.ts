import { sql } from "drizzle-orm";
import { RUN_EVENTS_CHANNEL } from "../../db/channels";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";
import type { RunEvent } from "../events/types";
import type { Logger } from "../log";
import { WakeLoop } from "../wake-loop";

// NOTIFY payloads must stay under 8000 bytes. Events are cut into chunks by their running byte
// offset, so a chunk holds at most NOTIFY_CHUNK_BYTES plus the one event that straddles a boundary:
// with events of at most MAX_NOTIFIED_EVENT_BYTES a payload stays below 3900 + 4000 + 2 bytes. A
// larger event (a huge DebugTrace fn) is published but not announced: run.events subscribers see
// the seq gap at the next event and read it from the table, as after any missed notification.
const NOTIFY_CHUNK_BYTES = 3900;
const MAX_NOTIFIED_EVENT_BYTES = 4000;

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
 * so an event is announced exactly when it is marked published. Woken right after each local
 * append, with a polling backstop for rows another (possibly dead) instance left behind.
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
            select p.id, (
              -- data is spliced in rather than built in: json_strip_nulls would also strip the nulls inside it.
              select case when e.data is null then j.core else left(j.core, -1) || ',"data":' || e.data::text || '}' end
              from run_events e, lateral (
                select json_strip_nulls(json_build_object(
                  'runId', e.run_id, 'seq', e.seq, 'ts', e.ts, 'type', e.type, 'v', 1, 'source', e.source,
                  'name', e.name, 'fn', e.fn, 'status', e.status, 'reason', e.reason, 'attempt', e.attempt))::text as core
              ) j
              where e.run_id = p.run_id and e.seq = p.seq
            ) as json
            from published p
          ), sized as (
            select id, json, sum(octet_length(json) + 1) over (order by id) as end_offset
            from events where octet_length(json) <= ${sql.raw(String(MAX_NOTIFIED_EVENT_BYTES))}
          ), chunks as (
            select (end_offset - 1) / ${sql.raw(String(NOTIFY_CHUNK_BYTES))} as chunk,
                   '[' || string_agg(json, ',' order by id) || ']' as payload
            from sized group by 1
          ), notified as (
            select pg_notify(${RUN_EVENTS_CHANNEL}, payload) from (select payload from chunks order by chunk offset 0) ordered
          ), async_commit as (
            select set_config('synchronous_commit', 'off', true)
          )
          select (select count(*) from async_commit)::int as async_commit,
                 (select count(*) from published)::int as claimed,
                 (select count(*) from notified)::int as notifications,
                 ${withEvents ? sql`(select '[' || string_agg(json, ',' order by id) || ']' from events)` : sql`null`} as events`,
    );
    const claimed = result?.claimed ?? 0;
    if (claimed > 0 && result?.events) this.options.onPublished?.(JSON.parse(result.events) as RunEvent[]);
    return claimed;
  }
}
