import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";

/**
 * A stored event as the text `JSON.stringify` makes of it as a RunEvent (read.ts's `toEvent`): what
 * run.events and run.eventsPage send. `last`: it is the run's RunFinished.
 */
export interface EventJson {
  seq: number;
  last: boolean;
  json: string;
}

interface EventJsonColumns {
  seq: number;
  last: boolean;
  head: string;
  data: unknown;
  tail: string | null;
}

/**
 * The event's JSON up to its data, made by Postgres in RunEvent's key order (runId, seq, ts, type,
 * v, source, then name, fn, status, reason only when set), so the server makes no object per row.
 * It is byte for byte what JSON.stringify writes: to_json escapes strings as JSON.stringify does
 * (", \, \b \f \n \r \t, other control characters as \u00xx; text holds no lone surrogates), integers
 * print alike, and ts is epoch milliseconds, well inside the range a JS number holds exactly.
 */
const AFTER_RUN_ID = `',"seq":' || seq || ',"ts":' || ts
  || ',"type":' || to_json(type) || ',"v":1,"source":' || to_json(source)
  || coalesce(',"name":' || to_json(name), '') || coalesce(',"fn":' || to_json(fn), '')
  || coalesce(',"status":' || to_json(status), '') || coalesce(',"reason":' || to_json(reason), '')`;
const HEAD = sql.raw(`'{"runId":"' || run_id || '"' || ${AFTER_RUN_ID}`);
const TAIL = sql.raw(`coalesce(',"attempt":' || attempt, '') || '}'`);

/**
 * Events with seq > afterSeq, in seq order, at most `limit` of them, as JSON text. An event without
 * data comes whole from Postgres; data (a jsonb, whose text is not JSON.stringify's: spaces, key
 * order) is parsed by the driver and stringified here, as the RunEvent path does.
 */
export async function readEventJsonAfter(db: Db, runId: string, afterSeq: number, limit: number): Promise<EventJson[]> {
  const rows = await queryRows<EventJsonColumns>(
    db,
    sql`select seq, type = 'RunFinished' as last,
          ${HEAD} || case when data is null then ${TAIL} else '' end as head,
          data, case when data is not null then ${TAIL} end as tail
        from run_events where run_id = ${runId} and seq > ${afterSeq} order by seq limit ${limit}`,
  );
  return rows.map(toEventJson);
}

function toEventJson(row: EventJsonColumns): EventJson {
  if (row.tail === null) return { seq: row.seq, last: row.last, json: row.head };
  // A jsonb `null` is no data, as for the RunEvent (withOptionalFields).
  const data = row.data == null ? "" : `,"data":${JSON.stringify(row.data)}`;
  return { seq: row.seq, last: row.last, json: `${row.head}${data}${row.tail}` };
}

/** A page of events as the text of their JSON array, made whole by Postgres. */
export interface EventsPageJson {
  /** `[...]`: the page's events in seq order. */
  json: string;
  /** More events follow the page (`afterSeq`) or come before it (`beforeSeq`). */
  hasMore: boolean;
}

/**
 * A page of events, at most `limit`, in seq order: those after `afterSeq`, or the last ones before
 * `beforeSeq`, as one JSON array made by Postgres, so the server handles one value per page instead
 * of a row and an object per event (`run.eventsPage` over HTTP sends the text as it is). Each event
 * is what JSON.stringify writes for it except its data, which is jsonb's own text (spaces after `:`
 * and `,`): the same value once parsed. Seqs are contiguous from 1, so whether there is more is
 * told by the page's ends and the run's last seq, read in the same statement.
 */
export async function readEventsPageJson(
  db: Db,
  runId: string,
  from: { afterSeq: number } | { beforeSeq: number },
  limit: number,
): Promise<EventsPageJson> {
  const ascending = "afterSeq" in from;
  const [row] = await queryRows<{ json: string; has_more: boolean }>(
    db,
    sql`select '[' || coalesce(string_agg(event, ',' order by seq), '') || ']' as json,
          ${ascending ? sql`coalesce(max(seq) < (select last_seq from runs where id = ${runId}), false)` : sql`coalesce(min(seq) > 1, false)`} as has_more
        from (select seq, ${RUN_ID_OPENING(runId)} || ${sql.raw(AFTER_RUN_ID)}
                || case when data is null or data = 'null'::jsonb then '' else ',"data":' || data::text end
                || ${TAIL} as event
              from run_events
              where run_id = ${runId} and ${ascending ? sql`seq > ${from.afterSeq}` : sql`seq < ${from.beforeSeq}`}
              order by seq ${ascending ? sql`asc` : sql`desc`} limit ${limit}) page`,
  );
  return { json: row!.json, hasMore: row!.has_more };
}

/** `{"runId":"<id>"`, sent as a parameter: the same for every event of the page. */
const RUN_ID_OPENING = (runId: string) => `{"runId":${JSON.stringify(runId)}`;
