import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { builtOnce } from "../../db/built-once";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";
import type { RunStatus } from "../../shared/run-status";
import { RunNotFoundError } from "../errors";
import { toRun, type Run } from "./types";

export async function findRun(db: Db, runId: string): Promise<Run | null> {
  const [row] = await runById(db).execute({ runId });
  return row ? toRun(row) : null;
}

const runById = builtOnce((db) =>
  db
    .select()
    .from(runs)
    .where(eq(runs.id, sql.placeholder("runId")))
    .prepare("run_by_id"),
);

/**
 * The run if `ownerId` owns it. Someone else's run fails exactly like a missing one
 * (RunNotFoundError), so ids cannot be probed.
 */
export async function requireOwnedRun(db: Db, runId: string, ownerId: string): Promise<Run> {
  const [row] = await ownedRun(db).execute({ runId, ownerId });
  if (!row) throw new RunNotFoundError(runId);
  return toRun(row);
}

// run.get, run.steps, run.eventsPage and run.cancel ask this on every call.
const ownedRun = builtOnce((db) =>
  db
    .select()
    .from(runs)
    .where(and(eq(runs.id, sql.placeholder("runId")), eq(runs.ownerId, sql.placeholder("ownerId"))))
    .prepare("owned_run"),
);

/** Position in the newest-first list: the (createdAt, id) of the last run on the previous page. */
export interface ListCursor {
  createdAt: Date;
  id: string;
}

/** Optional filters of run.list. */
export interface ListFilters {
  status?: RunStatus | undefined;
  plan?: string | undefined;
}

export async function listRuns(
  db: Db,
  ownerId: string,
  limit: number,
  after: ListCursor | null,
  filters: ListFilters = {},
): Promise<{ items: Run[]; next: ListCursor | null }> {
  const rows = await db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.ownerId, ownerId),
        filters.status ? eq(runs.status, filters.status) : undefined,
        filters.plan ? eq(runs.plan, filters.plan) : undefined,
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
