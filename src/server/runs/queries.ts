import { and, asc, desc, eq, gt, lt, or, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runEvents, runs } from "../../db/schema";
import { toRun, toRunEvent, type Run, type RunEvent } from "./types";

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

/** Events with seq > afterSeq, in seq order, at most `limit` of them. */
export async function readEventsAfter(db: Db, runId: string, afterSeq: number, limit: number): Promise<RunEvent[]> {
  const rows = await db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), gt(runEvents.seq, afterSeq)))
    .orderBy(asc(runEvents.seq))
    .limit(limit);
  return rows.map(toRunEvent);
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
