import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";
import type { ActiveStatus } from "../../shared/run-status";
import { publication, publishedColumn, reportStarts, startTsColumn, type StartsAnnounced } from "./publication-sql";
import { withOptionalFields, type NewEvent, type RunEvent } from "./types";

/** What must still hold for the append to go ahead: the run's status and, for executors, their lease. */
export interface AppendGuard {
  status: ActiveStatus;
  leaseOwner?: string;
  /** The execution the executor holds: a run resumed elsewhere since has a higher attempt (fencing). */
  attempt?: number;
  /** The run's last seq as the writer knows it: a retried append cannot land twice. */
  afterSeq?: number;
}

/**
 * Appends one event and its outbox row in one transaction. The UPDATE that reserves the next seq
 * takes the run's row lock, so per-run commit order equals seq order; seq is never minted in
 * memory. A RunFinished event also moves the run to its terminal status in the same statement.
 * Returns null when the guard no longer holds (the run finished, or the lease moved elsewhere).
 *
 * It is a single statement (one round trip, committed on its own): the reserving UPDATE, the
 * event INSERT and the outbox INSERT are data-modifying CTEs of one query, so the append costs
 * what a single-row insert costs, and no pooled connection is held across round trips. With
 * `publish` (the default) the same statement publishes the event (publication-sql.ts), and tells
 * `startsAnnounced` the ts of the run's RunStarted if it published that too.
 * Callers go through EventLog, which counts what was appended.
 */
export async function appendEvent(
  db: Db,
  runId: string,
  event: NewEvent,
  guard: AppendGuard,
  ts = Date.now(),
  publish = true,
  startsAnnounced?: StartsAnnounced,
): Promise<RunEvent | null> {
  const finish =
    event.type === "RunFinished" && event.status
      ? sql`, status = ${event.status}, finished_at = now(), output = ${outputOf(event)}::jsonb`
      : sql``;
  const lease = guard.leaseOwner === undefined ? sql`` : sql` and lease_owner = ${guard.leaseOwner}`;
  const attempt = guard.attempt === undefined ? sql`` : sql` and attempt = ${guard.attempt}`;
  const position = guard.afterSeq === undefined ? sql`` : sql` and last_seq = ${guard.afterSeq}`;
  const rows = await queryRows<{ seq: number; start_ts: number | null }>(
    db,
    sql`with reserved as (
          update runs set last_seq = last_seq + 1${finish}
          where id = ${runId} and status = ${guard.status}${lease}${attempt}${position}
          returning id, last_seq
        ), event as (
          insert into run_events (run_id, seq, ts, type, source, name, fn, status, reason, data, attempt)
          select id, last_seq, ${ts}::bigint, ${event.type}::text, ${event.source}::text, ${event.name ?? null}::text,
                 ${event.fn ?? null}::text, ${event.status ?? null}::text, ${event.reason ?? null}::text,
                 ${jsonOrNull(event.data)}::jsonb, ${event.attempt ?? null}::int
          from reserved
          returning *
        ), ${publication(publish)}
        select seq, ${publishedColumn(publish)} as notifications,
               ${startTsColumn(publish, sql`event.run_id`)} as start_ts
        from event`,
  );
  reportStarts(rows, startsAnnounced);
  const [appended] = rows;
  if (!appended) return null;
  return withOptionalFields({ runId, seq: appended.seq, ts, type: event.type, v: 1, source: event.source }, event);
}

const jsonOrNull = (value: Record<string, unknown> | undefined) => (value === undefined ? null : JSON.stringify(value));

/** Only a succeeded run has an output. */
const outputOf = (event: NewEvent) => (event.status === "succeeded" ? jsonOrNull(event.output) : null);
