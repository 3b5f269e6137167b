import { eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";
import { runs } from "../../db/schema";
import type { RunStatus } from "../../shared/run-status";
import { withOptionalFields, type RunEvent } from "./types";

interface RunEventColumns {
  run_id: string;
  seq: number;
  ts: string | number | bigint;
  type: RunEvent["type"];
  source: RunEvent["source"];
  name: string | null;
  fn: string | null;
  status: RunEvent["status"] | null;
  reason: string | null;
  data: Record<string, unknown> | null;
  attempt: number | null;
}

/**
 * Events with seq > afterSeq, in seq order, at most `limit` of them. The backfill's hot loop: the
 * rows are mapped by hand rather than through the query builder, which cost ~5% of a replay.
 */
export async function readEventsAfter(db: Db, runId: string, afterSeq: number, limit: number): Promise<RunEvent[]> {
  const rows = await queryRows<RunEventColumns>(
    db,
    sql`select run_id, seq, ts, type, source, name, fn, status, reason, data, attempt from run_events
        where run_id = ${runId} and seq > ${afterSeq} order by seq limit ${limit}`,
  );
  return rows.map(toEvent);
}

/** The last `limit` events with seq < beforeSeq, in seq order. */
export async function readEventsBefore(db: Db, runId: string, beforeSeq: number, limit: number): Promise<RunEvent[]> {
  const rows = await queryRows<RunEventColumns>(
    db,
    sql`select run_id, seq, ts, type, source, name, fn, status, reason, data, attempt from run_events
        where run_id = ${runId} and seq < ${beforeSeq} order by seq desc limit ${limit}`,
  );
  return rows.reverse().map(toEvent);
}

// ts is a bigint column: postgres.js returns it as a string.
const toEvent = (row: RunEventColumns): RunEvent =>
  withOptionalFields(
    { runId: row.run_id, seq: row.seq, ts: Number(row.ts), type: row.type, v: 1, source: row.source },
    row,
  );

/** How far a run's log goes and whether it is closed; null for an unknown run. */
export async function readLogEnd(db: Db, runId: string): Promise<{ lastSeq: number; status: RunStatus } | null> {
  const [row] = await db.select({ lastSeq: runs.lastSeq, status: runs.status }).from(runs).where(eq(runs.id, runId));
  return row ?? null;
}
