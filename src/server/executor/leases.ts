// The executor's statements on the runs table. A lease is (lease_owner, lease_expires_at): the
// instance that holds it executes the run and renews it by heartbeat; appends are guarded by it.
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";

const expiresIn = (leaseMs: number) => sql`now() + ${leaseMs} * interval '1 millisecond'`;

/**
 * Moves up to `limit` queued runs, oldest first, to running under this instance's lease. SKIP
 * LOCKED: instances claiming at once each get different runs, and none waits for another.
 */
export async function claimQueuedRuns(db: Db, instanceId: string, leaseMs: number, limit: number) {
  const queued = db
    .select({ id: runs.id })
    .from(runs)
    .where(eq(runs.status, "queued"))
    .orderBy(asc(runs.createdAt))
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(runs)
    .set({ status: "running", startedAt: sql`now()`, leaseOwner: instanceId, leaseExpiresAt: expiresIn(leaseMs) })
    .where(inArray(runs.id, queued))
    .returning({ id: runs.id, stepDelayMs: runs.stepDelayMs });
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
