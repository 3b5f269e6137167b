import { and, desc, eq, lt, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";
import { toRun, type Run, type RunEvent } from "./types";

/** The rows of a raw statement, whichever driver runs it (postgres.js returns an array, PGlite `{ rows }`). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
}

export async function findRun(db: Db, runId: string): Promise<Run | null> {
  const [row] = await db.select().from(runs).where(eq(runs.id, runId));
  return row ? toRun(row) : null;
}

/** The run if `ownerId` owns it; null when it does not exist or is someone else's (callers cannot tell which). */
export async function findOwnedRun(db: Db, runId: string, ownerId: string): Promise<Run | null> {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.ownerId, ownerId)));
  return row ? toRun(row) : null;
}

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
}

/**
 * Events with seq > afterSeq, in seq order, at most `limit` of them. The backfill's hot loop: the
 * rows are mapped by hand rather than through the query builder, which cost ~5% of a replay.
 */
export async function readEventsAfter(db: Db, runId: string, afterSeq: number, limit: number): Promise<RunEvent[]> {
  const rows = await queryRows<RunEventColumns>(
    db,
    sql`select run_id, seq, ts, type, source, name, fn, status, reason from run_events
        where run_id = ${runId} and seq > ${afterSeq} order by seq limit ${limit}`,
  );
  return rows.map((row) => {
    // ts is a bigint column: postgres.js returns it as a string.
    const event: RunEvent = {
      runId: row.run_id,
      seq: row.seq,
      ts: Number(row.ts),
      type: row.type,
      v: 1,
      source: row.source,
    };
    if (row.name !== null) event.name = row.name;
    if (row.fn !== null) event.fn = row.fn;
    if (row.status !== null) event.status = row.status;
    if (row.reason !== null) event.reason = row.reason;
    return event;
  });
}

/** Position in the newest-first list: the (createdAt, id) of the last run on the previous page. */
export interface ListCursor {
  createdAt: Date;
  id: string;
}

export async function listRuns(
  db: Db,
  ownerId: string,
  limit: number,
  after: ListCursor | null,
): Promise<{ items: Run[]; next: ListCursor | null }> {
  const rows = await db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.ownerId, ownerId),
        after
          ? or(lt(runs.createdAt, after.createdAt), and(eq(runs.createdAt, after.createdAt), lt(runs.id, after.id)))
          : undefined,
      ),
    )
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toRun),
    next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
  };
}
