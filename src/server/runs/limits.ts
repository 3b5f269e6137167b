import { and, eq, gt, inArray, sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";
import { runs } from "../../db/schema";
import { LimitExceededError } from "../errors";

export interface OwnerLimits {
  /** Runs an owner may start per rolling minute. */
  startsPerMinute: number;
  /** Queued plus running runs an owner may have at once. */
  activeRunsPerOwner: number;
}

/** Limits on anonymous owners' runs, counted per client address across all of them. */
export interface AddressRunLimits {
  startsPerMinute: number;
  activeRuns: number;
}

export interface RunLimits {
  owner: OwnerLimits;
  anonymousPerAddress: AddressRunLimits;
  /** Queued runs across all owners: past it nobody can queue more until executors catch up. */
  queuedRuns: number;
}

/** Who starts a run: its owner, and for an anonymous owner the client address it starts from. */
export interface Starter {
  ownerId: string;
  anonymousAddress: string | null;
}

// No known moment when an active run finishes or the queue drains: roughly one run's length.
const BUSY_RETRY_AFTER_MS = 5_000;
// Advisory lock keyspace for addresses (two-key form; owners use the one-key form).
const ADDRESS_LOCK_SPACE = 1_001;

/**
 * Refuses (LimitExceededError) a new run when its owner, its anonymous client address or the whole
 * queue is over a limit. Call it in the transaction that inserts the run: the owner's and the
 * address's advisory locks (taken in that order) make count-then-insert exact across concurrent
 * calls and instances. The global queue cap is a bound, not exact: concurrent starts may pass it
 * by a few.
 */
export async function admitRun(
  tx: Db,
  starter: Starter,
  limits: RunLimits,
  /** Under the owner's lock: true when this start repeats an earlier one, which no limit refuses. */
  isRetry?: () => Promise<boolean>,
): Promise<void> {
  const { owner, anonymousPerAddress } = limits;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${starter.ownerId}))`);
  if (await isRetry?.()) return;
  const ownerRuns = eq(runs.ownerId, starter.ownerId);
  if ((await countActive(tx, ownerRuns)) >= owner.activeRunsPerOwner) {
    throw new LimitExceededError(
      `at most ${owner.activeRunsPerOwner} active runs per owner; wait for one to finish or cancel one`,
      BUSY_RETRY_AFTER_MS,
    );
  }
  await refuseOverStartRate(tx, ownerRuns, owner.startsPerMinute, "per owner");

  const address = starter.anonymousAddress;
  if (address !== null) {
    await tx.execute(sql`select pg_advisory_xact_lock(${ADDRESS_LOCK_SPACE}, hashtext(${address}))`);
    const addressRuns = eq(runs.createdByAddress, address);
    if ((await countActive(tx, addressRuns)) >= anonymousPerAddress.activeRuns) {
      throw new LimitExceededError(
        `at most ${anonymousPerAddress.activeRuns} active anonymous runs per client address; wait for one to finish`,
        BUSY_RETRY_AFTER_MS,
      );
    }
    await refuseOverStartRate(tx, addressRuns, anonymousPerAddress.startsPerMinute, "per client address");
  }

  const [queued] = await queryRows<{ count: number }>(
    tx,
    sql`select count(*)::int as count from (select 1 from runs where status = 'queued' limit ${limits.queuedRuns}) q`,
  );
  if (queued!.count >= limits.queuedRuns) {
    throw new LimitExceededError(
      `the server has ${limits.queuedRuns} runs waiting to start; try again shortly`,
      BUSY_RETRY_AFTER_MS,
    );
  }
}

async function countActive(tx: Db, which: SQL): Promise<number> {
  const [active] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(runs)
    .where(and(which, inArray(runs.status, ["queued", "running"])));
  return active!.count;
}

/** Refuses when `which` runs started `limit` times in the last minute; the hint is when the oldest leaves it. */
async function refuseOverStartRate(tx: Db, which: SQL, limit: number, per: string): Promise<void> {
  const [recent] = await tx
    .select({
      count: sql<number>`count(*)::int`,
      retryAfterMs: sql<number>`greatest(ceil(extract(epoch from min(${runs.createdAt}) + interval '1 minute' - now()) * 1000), 0)::int`,
    })
    .from(runs)
    .where(and(which, gt(runs.createdAt, sql`now() - interval '1 minute'`)));
  if (recent!.count >= limit) {
    throw new LimitExceededError(`at most ${limit} runs per minute ${per}; try again shortly`, recent!.retryAfterMs);
  }
}
