import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";

/**
 * Deletes up to `batch` runs that finished more than `olderThanDays` days ago, with their events
 * and outbox rows (the foreign keys cascade). Only finished runs (finished_at is set exactly when
 * a run is terminal): nothing queued or running is ever purged. A purged run is NOT_FOUND everywhere, as if it never existed.
 */
export async function purgeFinishedRuns(db: Db, olderThanDays: number, batch: number): Promise<number> {
  const [row] = await queryRows<{ purged: number }>(
    db,
    sql`with purged as (
          delete from runs where id = any(array(
            select id from runs
            where finished_at < now() - ${olderThanDays} * interval '1 day'
            order by finished_at limit ${batch} for update skip locked
          ))
          returning 1
        )
        select count(*)::int as purged from purged`,
  );
  return row?.purged ?? 0;
}
