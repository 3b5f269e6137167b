import { sql } from "drizzle-orm";
import { RUN_QUEUED_CHANNEL } from "../../db/channels";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";

export interface NewRun {
  ownerId: string;
  /** The plan's name ("canonical" when absent) and its validated input (none for the canonical plan, whose input is appPath and stepDelayMs). */
  plan?: string;
  input?: Record<string, unknown> | null;
  appPath: string;
  stepDelayMs: number;
  /** The client address an anonymous owner starts it from; null for token owners. */
  createdByAddress?: string | null;
  /** The caller's key for this start (retries reuse it) and a hash of its input. */
  request?: { key: string; fingerprint: string } | null;
}

/**
 * Creates a queued run and its RunStarted (seq 1), and notifies every instance's executor that
 * there is work. One statement (one round trip): the run, its first event and outbox row are
 * data-modifying CTEs of the same query. Callers go through EventLog, which publishes the event.
 * Null when the owner already has a run with this request key (nothing is written then).
 */
export async function createRun(db: Db, run: NewRun): Promise<{ id: string; createdAt: Date } | null> {
  const ts = Date.now();
  const [created] = await queryRows<{ id: string; created_ms: number }>(
    db,
    sql`with run as (
          insert into runs (owner_id, created_by_address, request_key, request_fingerprint, plan, input, app_path,
                            step_delay_ms, last_seq)
          values (${run.ownerId}, ${run.createdByAddress ?? null}, ${run.request?.key ?? null},
                  ${run.request?.fingerprint ?? null}, ${run.plan ?? "canonical"}, ${run.input ? JSON.stringify(run.input) : null}::jsonb,
                  ${run.appPath}, ${run.stepDelayMs}, 1)
          on conflict (owner_id, request_key) where request_key is not null do nothing
          returning id, created_at
        ), event as (
          insert into run_events (run_id, seq, ts, type, source)
          select id, 1, ${ts}::bigint, 'RunStarted', 'api' from run
          returning run_id, seq
        ), outbox as (
          insert into run_outbox (run_id, seq) select run_id, seq from event
        ), queued as (
          select pg_notify(${RUN_QUEUED_CHANNEL}, id::text) from run
        )
        select id, (extract(epoch from created_at) * 1000)::float8 as created_ms, (select count(*) from queued) as notified
        from run`,
  );
  return created ? { id: created.id, createdAt: new Date(created.created_ms) } : null;
}
