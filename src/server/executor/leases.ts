// The executor's statements on the runs table. A lease is (lease_owner, lease_expires_at): the
// instance that holds it executes the run and renews it by heartbeat; appends are guarded by it.
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";
import { runs } from "../../db/schema";

const expiresIn = (leaseMs: number) => sql`now() + ${leaseMs} * interval '1 millisecond'`;

export type ClaimedRun = Awaited<ReturnType<typeof claimQueuedRuns>>[number];

/**
 * Moves up to `limit` queued runs to running under this instance's lease, fairly across owners:
 * each owner's oldest run first, then each owner's second, and so on (round-robin), and never
 * more than `slotsPerOwner` runs of one owner on this instance (`held` counts what it already
 * runs). So one owner's long queue cannot delay a quiet owner's run.
 *
 * Two statements: window functions cannot take row locks, so the candidates are picked first and
 * then claimed with SKIP LOCKED and a status check; instances claiming at once each get different
 * runs, and a candidate another instance took meanwhile is skipped.
 */
export async function claimQueuedRuns(
  db: Db,
  lease: { instanceId: string; leaseMs: number },
  limit: number,
  fairness: { slotsPerOwner: number; held: ReadonlyMap<string, number> },
) {
  const held = JSON.stringify(Object.fromEntries(fairness.held));
  const candidates = await queryRows<{ id: string }>(
    db,
    sql`select id from (
          select id, owner_id, created_at, row_number() over (partition by owner_id order by created_at, id) as turn
          from runs where status = 'queued'
        ) queued
        where turn <= ${fairness.slotsPerOwner} - coalesce((${held}::jsonb ->> owner_id)::int, 0)
        order by turn, created_at, id
        limit ${limit}`,
  );
  if (candidates.length === 0) return [];
  const claimable = db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        inArray(
          runs.id,
          candidates.map((candidate) => candidate.id),
        ),
        eq(runs.status, "queued"),
      ),
    )
    .for("update", { skipLocked: true });
  return db
    .update(runs)
    .set({
      status: "running",
      startedAt: sql`now()`,
      leaseOwner: lease.instanceId,
      leaseExpiresAt: expiresIn(lease.leaseMs),
    })
    .where(inArray(runs.id, claimable))
    .returning({
      id: runs.id,
      ownerId: runs.ownerId,
      plan: runs.plan,
      input: runs.input,
      appPath: runs.appPath,
      stepDelayMs: runs.stepDelayMs,
      lastSeq: runs.lastSeq,
    });
}

/**
 * Takes over the leases of up to `limit` running runs whose lease expired (their executor
 * vanished). Once taken, the old executor's appends are refused by the lease guard.
 */
export async function takeExpiredLeases(db: Db, instanceId: string, leaseMs: number, limit: number) {
  const expired = db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.status, "running"), lt(runs.leaseExpiresAt, sql`now()`)))
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(runs)
    .set({ leaseOwner: instanceId, leaseExpiresAt: expiresIn(leaseMs) })
    .where(inArray(runs.id, expired))
    .returning({ id: runs.id });
}

/** Renews this instance's leases on `runIds`; returns the renewed runs and whether a cancel was requested. */
export async function renewLeases(db: Db, instanceId: string, leaseMs: number, runIds: string[]) {
  return db
    .update(runs)
    .set({ leaseExpiresAt: expiresIn(leaseMs) })
    .where(and(inArray(runs.id, runIds), eq(runs.status, "running"), eq(runs.leaseOwner, instanceId)))
    .returning({ id: runs.id, cancelRequestedAt: runs.cancelRequestedAt });
}
