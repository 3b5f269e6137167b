import { sql, type SQL } from "drizzle-orm";
import { RUN_EVENTS_CHANNEL } from "../../db/channels";

// NOTIFY payloads must stay under 8000 bytes. Events are cut into chunks by their running byte
// offset, so a chunk holds at most NOTIFY_CHUNK_BYTES plus the one event that straddles a boundary:
// with events of at most MAX_NOTIFIED_EVENT_BYTES a payload stays below 3900 + 4000 + 2 bytes. A
// larger event (a huge DebugTrace fn) is published but not announced: run.events subscribers see
// the seq gap at the next event and read it from the table, as after any missed notification.
const NOTIFY_CHUNK_BYTES = 3900;
const MAX_NOTIFIED_EVENT_BYTES = 4000;

/**
 * The JSON text of an event as subscribers receive it, built from the run_events columns of
 * `row` (a table alias or a CTE name). Nulls are left out; data is spliced in rather than built in,
 * because json_strip_nulls would also strip the nulls inside it.
 */
export function eventJson(row: string): SQL {
  const r = sql.raw(row);
  return sql`(select case when ${r}.data is null then j.core else left(j.core, -1) || ',"data":' || ${r}.data::text || '}' end
    from (select json_strip_nulls(json_build_object(
      'runId', ${r}.run_id, 'seq', ${r}.seq, 'ts', ${r}.ts, 'type', ${r}.type, 'v', 1, 'source', ${r}.source,
      'name', ${r}.name, 'fn', ${r}.fn, 'status', ${r}.status, 'reason', ${r}.reason, 'attempt', ${r}.attempt))::text as core) j)`;
}

/**
 * CTEs (to follow others in a WITH list) that pg_notify the events of `events` — a relation with
 * an ordering column `k` and the event's text `json` — on the run events channel, in `k` order,
 * in payload-sized chunks. The statement must read `notified` (count it), or nothing is sent.
 */
export function notifyChunks(events: string): SQL {
  return sql`sized as (
      select k, json, sum(octet_length(json) + 1) over (order by k) as end_offset
      from ${sql.raw(events)} where octet_length(json) <= ${sql.raw(String(MAX_NOTIFIED_EVENT_BYTES))}
    ), chunks as (
      select (end_offset - 1) / ${sql.raw(String(NOTIFY_CHUNK_BYTES))} as chunk,
             '[' || string_agg(json, ',' order by k) || ']' as payload
      from sized group by 1
    ), notified as (
      select pg_notify(${RUN_EVENTS_CHANNEL}, payload) from (select payload from chunks order by chunk offset 0) ordered
    )`;
}

/**
 * The CTEs (to follow an `event` CTE that returns the appended run_events rows) that write the
 * appended events' outbox rows. With `publish`, the rows are written published and the events
 * NOTIFYd in the append's own transaction, so an event is announced exactly when it is committed
 * and marked published, with no second statement and no wait for the poller: the append is the
 * publication. A run's first append (seq 2) also publishes its RunStarted, ahead of its own event,
 * unless the outbox poller did already (a start notifies nothing: see create-run.ts); so every run's
 * events are announced in seq order. Without `publish` (the seed design) they are left for the
 * poller. The statement must select `publishedColumn(publish)`, or the notifications are never
 * sent; `startTsColumn` names, for an appended event, the ts of the RunStarted published with it.
 */
export function publication(publish: boolean): SQL {
  if (!publish) return sql`outbox as (insert into run_outbox (run_id, seq) select run_id, seq from event)`;
  return sql`outbox as (
      insert into run_outbox (run_id, seq, published_at) select run_id, seq, now() from event
    ), start_published as (
      update run_outbox o set published_at = now()
      from event e where e.seq = 2 and o.run_id = e.run_id and o.seq = 1 and o.published_at is null
      returning o.run_id
    ), start as materialized (
      select s.* from run_events s join start_published p on s.run_id = p.run_id and s.seq = 1
    ), announced as materialized (
      select row_number() over (order by part) as k, json from (
        select 0 as part, ${eventJson("start")} as json from start
        union all
        select 1, ${eventJson("event")} from event
      ) events
    ), ${notifyChunks("announced")}`;
}

/** Reads the notifications of `publication`, so they are sent (a CTE nothing reads is never run). */
export const publishedColumn = (publish: boolean): SQL =>
  publish ? sql`(select count(*) from notified)::int` : sql`0`;

/** For an appended row of run `runId`: the ts of the RunStarted its statement published too, else null. */
export const startTsColumn = (publish: boolean, runId: SQL): SQL =>
  publish ? sql`(select ts from start where start.run_id = ${runId})` : sql`null::bigint`;

/** Told the ts (epoch ms) of the RunStarted events an append published along with its own. */
export type StartsAnnounced = (startedAt: number[]) => void;

/** Hands `startsAnnounced` the start_ts (see startTsColumn) of the rows that have one. */
export function reportStarts(
  rows: readonly { start_ts: number | string | null }[],
  startsAnnounced?: StartsAnnounced,
): void {
  if (!startsAnnounced) return;
  const ts = rows.flatMap((row) => (row.start_ts === null ? [] : [Number(row.start_ts)]));
  if (ts.length > 0) startsAnnounced(ts);
}
