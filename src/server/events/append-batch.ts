import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";
import type { AppendGuard } from "./append";
import { publication, publishedColumn, reportStarts, startTsColumn, type StartsAnnounced } from "./publication-sql";
import { withOptionalFields, type NewEvent, type RunEvent } from "./types";

/** One append of a group commit: a run appears at most once per batch. */
export interface BatchedAppend {
  runId: string;
  event: NewEvent;
  guard: AppendGuard;
  /** Epoch ms, taken when the append was asked for. */
  ts: number;
}

/**
 * Appends one event to each of several runs in one statement and one commit: what `appendEvent`
 * does for one run, for a batch. Each run still gets `last_seq + 1` under its own row lock, taken
 * here in id order so that concurrent batches cannot deadlock on each other, and the append-guard
 * trigger checks every row as before. Each append's guard is checked on its own row: one that no
 * longer holds (finished, lease moved, another seq) is left out and answers null, and the others
 * go ahead. The result is in the batch's order.
 *
 * With `publish` (the default) the statement also publishes what it appended (see
 * publication-sql.ts), and tells `startsAnnounced` the ts of the RunStarted events it published along.
 *
 * The batch travels as one JSON parameter, so the statement's text, and its prepared plan, are the
 * same whatever the batch size; append_batch_input (migration 0010) reads it as rows, estimated at
 * one row so that runs are looked up by key rather than scanned.
 */
export async function appendBatch(
  db: Db,
  appends: readonly BatchedAppend[],
  publish = true,
  startsAnnounced?: StartsAnnounced,
): Promise<(RunEvent | null)[]> {
  const rows = appends.map(({ runId, event, guard, ts }, ix) => ({
    ix,
    run_id: runId,
    ts,
    type: event.type,
    source: event.source,
    name: event.name ?? null,
    fn: event.fn ?? null,
    status: event.status ?? null,
    reason: event.reason ?? null,
    data: event.data ?? null,
    attempt: event.attempt ?? null,
    guard_status: guard.status,
    lease_owner: guard.leaseOwner ?? null,
    guard_attempt: guard.attempt ?? null,
    after_seq: guard.afterSeq ?? null,
    // A RunFinished moves its run to the terminal status; only a succeeded run has an output.
    finish_status: event.type === "RunFinished" && event.status ? event.status : null,
    output: event.type === "RunFinished" && event.status === "succeeded" ? (event.output ?? null) : null,
  }));
  const appended = await queryRows<{ ix: number; seq: number; start_ts: number | null }>(
    db,
    sql`with input as materialized (
          select * from append_batch_input(${JSON.stringify(rows)}::json)
        ), locked as materialized (
          select id from runs where id in (select run_id from input) order by id for update
        ), reserved as (
          update runs r set last_seq = r.last_seq + 1,
                 status = coalesce(i.finish_status, r.status),
                 finished_at = case when i.finish_status is null then r.finished_at else now() end,
                 output = case when i.finish_status is null then r.output else i.output end
          from locked l join input i on i.run_id = l.id
          where r.id = l.id and r.status = i.guard_status
            and (i.lease_owner is null or r.lease_owner = i.lease_owner)
            and (i.guard_attempt is null or r.attempt = i.guard_attempt)
            and (i.after_seq is null or r.last_seq = i.after_seq)
          returning i.ix, r.id, r.last_seq
        ), event as (
          insert into run_events (run_id, seq, ts, type, source, name, fn, status, reason, data, attempt)
          select r.id, r.last_seq, i.ts, i.type, i.source, i.name, i.fn, i.status, i.reason, i.data, i.attempt
          from reserved r join input i on i.ix = r.ix
          returning *
        ), ${publication(publish)}
        select r.ix, r.last_seq as seq, ${publishedColumn(publish)} as notifications,
               ${startTsColumn(publish, sql`r.id`)} as start_ts
        from reserved r join event e on e.run_id = r.id and e.seq = r.last_seq`,
  );
  reportStarts(appended, startsAnnounced);
  const results: (RunEvent | null)[] = appends.map(() => null);
  for (const { ix, seq } of appended) {
    const { runId, event, ts } = appends[ix]!;
    results[ix] = withOptionalFields({ runId, seq, ts, type: event.type, v: 1, source: event.source }, event);
  }
  return results;
}
