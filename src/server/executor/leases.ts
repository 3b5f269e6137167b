// The executor's statements on the runs table. A lease is (lease_owner, lease_expires_at): the
// instance that holds it executes the run and renews it by heartbeat; appends are guarded by it.
import { and, eq, sql } from "drizzle-orm";
import { RUN_QUEUED_CHANNEL } from "../../db/channels";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";
import { runs } from "../../db/schema";

const expiresIn = (leaseMs: number) => sql`now() + ${leaseMs} * interval '1 millisecond'`;

/** A run this instance just took: what executing it needs, and how it came to be taken. */
export interface ClaimedRun {
  id: string;
  /** Whose executor slots the run takes: its owner's, or an anonymous owner's address's (minting owners gains nothing). */
  tenant: string;
  plan: string;
  input: Record<string, unknown> | null;
  appPath: string;
  stepDelayMs: number;
  lastSeq: number;
  /** Which execution this is; appends are fenced by it. */
  attempt: number;
  /** Set when the run was executing elsewhere: its executor was lost, or handed it back at shutdown. */
  resumed?: { reason: ResumeReason; executorLosses: number; cancelRequested: boolean };
}

export type ResumeReason = "executor_lost" | "shutdown";

/** The columns a claim or a take reads for each run it hands the executor. */
interface ClaimedRunRow {
  id: string;
  tenant: string;
  plan: string;
  input: Record<string, unknown> | null;
  app_path: string;
  step_delay_ms: number;
  last_seq: number;
  attempt: number;
}

const toClaimedRun = (row: ClaimedRunRow): ClaimedRun => ({
  id: row.id,
  tenant: row.tenant,
  plan: row.plan,
  input: row.input,
  appPath: row.app_path,
  stepDelayMs: row.step_delay_ms,
  lastSeq: row.last_seq,
  attempt: row.attempt,
});

// Anonymous owners are free to mint, so their runs are scheduled by the address that created them.
const TENANT = sql.raw(`coalesce('address:' || created_by_address, 'owner:' || owner_id)`);

/**
 * Moves up to `limit` queued runs to running under this instance's lease, fairly across tenants
 * (owners; anonymous owners by their address): each tenant's oldest run first, then each one's
 * second, and so on (round-robin), and never more than `slotsPerOwner` runs of one tenant on this
 * instance (`held` counts what it already runs). So one owner's long queue cannot delay a quiet
 * owner's run.
 *
 * One statement: window functions cannot take row locks, so the candidates are picked first and
 * then claimed with SKIP LOCKED and a status check (re-checked on the row's newest version);
 * instances claiming at once each get different runs, and a candidate another instance took
 * meanwhile is skipped.
 */
export async function claimQueuedRuns(
  db: Db,
  lease: { instanceId: string; leaseMs: number },
  limit: number,
  fairness: { slotsPerOwner: number; held: ReadonlyMap<string, number> },
): Promise<ClaimedRun[]> {
  const held = JSON.stringify(Object.fromEntries(fairness.held));
  const rows = await queryRows<ClaimedRunRow>(
    db,
    sql`with candidates as materialized (
          select id from (
            select id, tenant, created_at, row_number() over (partition by tenant order by created_at, id) as turn
            from (select id, created_at, ${TENANT} as tenant from runs where status = 'queued') tenants
          ) queued
          where turn <= ${fairness.slotsPerOwner} - coalesce((${held}::jsonb ->> tenant)::int, 0)
          order by turn, created_at, id
          limit ${limit}
        ), claimable as materialized (
          select id from runs where id in (select id from candidates) and status = 'queued'
          for update skip locked
        )
        update runs set status = 'running', started_at = now(), lease_owner = ${lease.instanceId},
          lease_expires_at = ${expiresIn(lease.leaseMs)}
        from claimable where runs.id = claimable.id
        returning runs.id, ${TENANT} as tenant, runs.plan, runs.input, runs.app_path, runs.step_delay_ms,
          runs.last_seq, runs.attempt`,
  );
  return rows.map(toClaimedRun);
}

/**
 * Takes up to `limit` running runs that no instance holds any more, to resume them: their lease
 * expired (the executor crashed or hung: one more executor loss) or was handed back at a
 * graceful shutdown (lease_owner null: not a loss). Each taken run's attempt goes up by one, and
 * since appends are fenced by (lease_owner, attempt), the previous executor can never append again.
 * Runs in `executing` (this instance's own, e.g. past their lease during a database outage) are
 * left alone: their heartbeat renews them.
 */
export async function takeAbandonedRuns(
  db: Db,
  lease: { instanceId: string; leaseMs: number },
  limit: number,
  executing: readonly string[],
): Promise<ClaimedRun[]> {
  const rows = await queryRows<
    ClaimedRunRow & { executor_losses: number; cancel_requested: boolean; handed_back: boolean }
  >(
    db,
    sql`with abandoned as (
          select id, lease_owner is null as handed_back from runs
          where status = 'running' and lease_expires_at < now() and id <> all(${pgUuidArray(executing)})
          order by lease_expires_at
          limit ${limit}
          for update skip locked
        )
        update runs set lease_owner = ${lease.instanceId}, lease_expires_at = ${expiresIn(lease.leaseMs)},
          attempt = runs.attempt + 1,
          executor_losses = runs.executor_losses + case when abandoned.handed_back then 0 else 1 end
        from abandoned where runs.id = abandoned.id
        returning runs.id, ${TENANT} as tenant, runs.plan, runs.input, runs.app_path, runs.step_delay_ms, runs.last_seq,
          runs.attempt, runs.executor_losses, runs.cancel_requested_at is not null as cancel_requested, abandoned.handed_back`,
  );
  return rows.map((row) => ({
    ...toClaimedRun(row),
    resumed: {
      reason: row.handed_back ? "shutdown" : "executor_lost",
      executorLosses: row.executor_losses,
      cancelRequested: row.cancel_requested,
    },
  }));
}

/**
 * Releases this instance's leases at shutdown, keeping the runs `running`: their lease is left
 * already expired and without an owner, so any instance takes them at once (woken by NOTIFY) and
 * resumes them as a hand-back, which is not counted as an executor loss.
 */
export async function handBackLeases(db: Db, instanceId: string): Promise<string[]> {
  return db.transaction(async (tx) => {
    const handedBack = await tx
      .update(runs)
      .set({ leaseOwner: null, leaseExpiresAt: sql`now() - interval '1 second'` })
      .where(and(eq(runs.status, "running"), eq(runs.leaseOwner, instanceId)))
      .returning({ id: runs.id });
    if (handedBack.length > 0) await tx.execute(sql`select pg_notify(${RUN_QUEUED_CHANNEL}, '')`);
    return handedBack.map((run) => run.id);
  });
}

const pgUuidArray = (ids: readonly string[]) => sql`${`{${ids.join(",")}}`}::uuid[]`;

export interface LeaseRenewal {
  /** The runs whose lease was renewed, and whether a cancel was requested for each. */
  renewed: { id: string; cancelRequested: boolean }[];
  /** The runs another instance holds now (taken over while this one was stalled). */
  takenOver: string[];
}

/**
 * Renews this instance's leases on `runIds`: the renewed runs, and those another instance took
 * over. A run in neither has ended (or its end is being written by this instance right now: the
 * renewal waited for the append's row lock and then found the run finished), which is no loss.
 * The rows are locked in id order first, the order group commits lock them in: an UPDATE by a list
 * of ids locks in whatever order its plan reads them, and deadlocked with a batch of appends.
 * Its commit does not wait for the WAL flush (synchronous_commit off, this transaction only): it
 * holds the row lock of every run the instance executes, so a flush here (milliseconds on a slow
 * disk) held up the next append of all of them at once. A crash of Postgres can lose only the last
 * renewals (the WAL writer flushes within a fraction of a second), which leaves an earlier expiry,
 * still most of a lease ahead; the next heartbeat renews again.
 */
export async function renewLeases(
  db: Db,
  instanceId: string,
  leaseMs: number,
  runIds: string[],
): Promise<LeaseRenewal> {
  const rows = await queryRows<{ id: string; renewed: boolean; cancelRequested: boolean }>(
    db,
    sql`with held as materialized (
          select id from runs
          where id = any(${pgUuidArray(runIds)}) and status = 'running' and lease_owner = ${instanceId}
          order by id for update
        ), async_commit as (
          select set_config('synchronous_commit', 'off', true)
        ), renewed as (
          update runs set lease_expires_at = ${expiresIn(leaseMs)}
          from held, async_commit where runs.id = held.id and runs.status = 'running' and runs.lease_owner = ${instanceId}
          returning runs.id, runs.cancel_requested_at is not null as cancel_requested
        )
        select id, true as renewed, cancel_requested as "cancelRequested" from renewed
        union all
        select id, false, false from runs
        where id = any(${pgUuidArray(runIds)}) and status = 'running' and lease_owner is distinct from ${instanceId}`,
  );
  return {
    renewed: rows.filter((row) => row.renewed).map(({ id, cancelRequested }) => ({ id, cancelRequested })),
    takenOver: rows.filter((row) => !row.renewed).map((row) => row.id),
  };
}
