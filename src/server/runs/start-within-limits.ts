import { TRPCError } from "@trpc/server";
import { and, eq, gt, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";
import { startRun, type StartRunInput } from "./start";
import type { Run } from "./types";

export interface OwnerLimits {
  /** Runs an owner may start per rolling minute. */
  startsPerMinute: number;
  /** Queued plus running runs an owner may have at once. */
  activeRunsPerOwner: number;
}

/**
 * Starts a run unless its owner is over a limit (TOO_MANY_REQUESTS). The owner's advisory lock
 * makes count-then-insert exact across concurrent calls and instances.
 */
export async function startRunWithinLimits(db: Db, input: StartRunInput, limits: OwnerLimits): Promise<Run> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${input.ownerId}))`);
    const count = sql<number>`count(*)::int`;
    const [active] = await tx
      .select({ count })
      .from(runs)
      .where(and(eq(runs.ownerId, input.ownerId), inArray(runs.status, ["queued", "running"])));
    if (active!.count >= limits.activeRunsPerOwner) {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `at most ${limits.activeRunsPerOwner} active runs per owner; wait for one to finish or cancel one`,
      });
    }
    const [recent] = await tx
      .select({ count })
      .from(runs)
      .where(and(eq(runs.ownerId, input.ownerId), gt(runs.createdAt, sql`now() - interval '1 minute'`)));
    if (recent!.count >= limits.startsPerMinute) {
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `at most ${limits.startsPerMinute} runs per minute per owner; try again shortly`,
      });
    }
    return startRun(tx, input);
  });
}
