import { sql } from "drizzle-orm";
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

/** The limits a start is admitted under; an absent one is not checked. */
export interface Admission {
  ownerActive?: number;
  ownerPerMinute?: number;
  /** Checked only for a run with a createdByAddress (an anonymous owner's). */
  addressActive?: number;
  addressPerMinute?: number;
  queued?: number;
}

/** Which limit refused a start, and when trying again may pass (rates only). */
export type Refusal = {
  limit: "owner_active" | "owner_rate" | "address_active" | "address_rate" | "queued";
  retryAfterMs: number | null;
};

export type StartOutcome =
  /** `ts`: its RunStarted's. */
  | { created: { id: string; createdAt: Date; ts: number } }
  /** The owner already has a run with this request key: nothing was written. */
  | { repeat: true }
  | { refused: Refusal };

/**
 * Creates a queued run and its RunStarted (seq 1), unless a limit refuses it or the request key
 * was used. One statement, one round trip, its own transaction: the start_run function (migrations
 * 0009, 0011, 0012) takes the owner's (and the address's) advisory lock, counts, and inserts the
 * run, its first event and outbox row. It NOTIFYs nothing, so its commit does not queue behind
 * other notifying commits: the run's first append announces the RunStarted (publication-sql.ts;
 * the outbox poller, if the run waits longer in the queue), and the caller wakes the executors
 * (QueuedRunWakes). Callers go through EventLog.
 */
export async function createRun(db: Db, run: NewRun, admission: Admission = {}): Promise<StartOutcome> {
  const ts = Date.now();
  const [row] = await queryRows<{
    outcome: "created" | "repeat" | Refusal["limit"];
    started_id: string | null;
    created_ms: number | null;
    retry_after_ms: number | null;
  }>(
    db,
    sql`select outcome, started_id, created_ms, retry_after_ms from start_run(
          ${run.ownerId}::text, ${run.createdByAddress ?? null}::text, ${run.request?.key ?? null}::text,
          ${run.request?.fingerprint ?? null}::text, ${run.plan ?? "canonical"}::text,
          ${run.input ? JSON.stringify(run.input) : null}::jsonb, ${run.appPath}::text, ${run.stepDelayMs}::int,
          ${ts}::bigint, null::text /* no queued NOTIFY */, null::text /* no RunStarted NOTIFY */,
          ${admission.ownerActive ?? null}::int,
          ${admission.ownerPerMinute ?? null}::int, ${admission.addressActive ?? null}::int,
          ${admission.addressPerMinute ?? null}::int, ${admission.queued ?? null}::int)`,
  );
  const { outcome, started_id, created_ms, retry_after_ms } = row!;
  if (outcome === "created") return { created: { id: started_id!, createdAt: new Date(created_ms!), ts } };
  if (outcome === "repeat") return { repeat: true };
  return { refused: { limit: outcome, retryAfterMs: retry_after_ms } };
}
