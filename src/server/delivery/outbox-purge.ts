import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";

/**
 * Deletes up to `batch` outbox rows published more than `olderThanMs` ago, oldest first. Published
 * rows are only kept briefly (a late reader of the outbox has nothing to gain from them); left,
 * they grow the table and the dead entries the claim must skip. SKIP LOCKED and small batches: it
 * never waits on, or holds up, a publish or an append.
 */
export async function purgePublishedOutbox(db: Db, olderThanMs: number, batch: number): Promise<number> {
  const [row] = await queryRows<{ purged: number }>(
    db,
    sql`with purged as (
          delete from run_outbox where id = any(array(
            select id from run_outbox
            where published_at < now() - ${olderThanMs} * interval '1 millisecond'
            order by id limit ${batch} for update skip locked
          ))
          returning 1
        )
        select count(*)::int as purged from purged`,
  );
  return row?.purged ?? 0;
}
