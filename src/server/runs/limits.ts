import { and, eq, gt, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";
import { LimitExceededError } from "../errors";

export interface OwnerLimits {
  /** Runs an owner may start per rolling minute. */
  startsPerMinute: number;
  /** Queued plus running runs an owner may have at once. */
  activeRunsPerOwner: number;
}

/**
 * Refuses (LimitExceededError) a new run for an owner who is over a limit. Call it in the
 * transaction that inserts the run: the owner's advisory lock makes count-then-insert exact
 * across concurrent calls and instances.
 */
export async function admitWithinOwnerLimits(tx: Db, ownerId: string, limits: OwnerLimits): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${ownerId}))`);
  const count = sql<number>`count(*)::int`;
  const [active] = await tx
    .select({ count })
    .from(runs)
    .where(and(eq(runs.ownerId, ownerId), inArray(runs.status, ["queued", "running"])));
  if (active!.count >= limits.activeRunsPerOwner) {
    throw new LimitExceededError(
      `at most ${limits.activeRunsPerOwner} active runs per owner; wait for one to finish or cancel one`,
    );
  }
  const [recent] = await tx
    .select({ count })
    .from(runs)
    .where(and(eq(runs.ownerId, ownerId), gt(runs.createdAt, sql`now() - interval '1 minute'`)));
  if (recent!.count >= limits.startsPerMinute) {
    throw new LimitExceededError(`at most ${limits.startsPerMinute} runs per minute per owner; try again shortly`);
  }
}
