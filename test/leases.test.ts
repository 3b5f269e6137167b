import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runs } from "../src/db/schema";
import { claimQueuedRuns, handBackLeases, renewLeases, takeAbandonedRuns } from "../src/server/executor/leases";
import { startQueuedRun, useEventLogDatabase } from "./support/event-log-database";

// The lease statements against a real database, with no executor around them: the fencing they
// give is what keeps a stalled executor from writing into a run that went on elsewhere.
const store = useEventLogDatabase();

const LEASE = 60_000;
const startRun = () => startQueuedRun(store.log, { ownerId: "owner", appPath: "/", stepDelayMs: 0 });
const claim = (instanceId: string) =>
  claimQueuedRuns(store.db, { instanceId, leaseMs: LEASE }, 10, { slotsPerOwner: 10, held: new Map() });
const takeAbandoned = (instanceId: string, executing: string[] = []) =>
  takeAbandonedRuns(store.db, { instanceId, leaseMs: LEASE }, 10, executing);
/** As if the lease holder stalled past its lease. */
const expireLease = (runId: string) =>
  store.db
    .update(runs)
    .set({ leaseExpiresAt: sql`now() - interval '1 second'` })
    .where(eq(runs.id, runId));
const nodeStarted = { type: "NodeStarted", name: "Node", source: "worker" } as const;

describe("leases", () => {
  it("fence appends by holder and attempt: a stalled execution never writes again, even on its own instance", async () => {
    const run = await startRun();
    const [claimed] = await claim("instance-a");
    expect(claimed).toMatchObject({ id: run.id, attempt: 1 });
    expect(claimed!.resumed).toBeUndefined();

    await expireLease(run.id);
    const [taken] = await takeAbandoned("instance-b");
    expect(taken).toMatchObject({
      id: run.id,
      attempt: 2,
      lastSeq: 1,
      resumed: { reason: "executor_lost", executorLosses: 1, cancelRequested: false },
    });
    const stale = { status: "running", leaseOwner: "instance-a", attempt: 1, afterSeq: 1 } as const;
    expect(await store.log.append(run.id, nodeStarted, stale)).toBeNull();

    // Instance A takes the run back later (attempt 3): its first execution is still fenced out.
    await expireLease(run.id);
    const [retaken] = await takeAbandoned("instance-a");
    expect(retaken).toMatchObject({ attempt: 3, resumed: { executorLosses: 2 } });
    expect(await store.log.append(run.id, nodeStarted, stale)).toBeNull();
    expect(await store.log.append(run.id, nodeStarted, { ...stale, attempt: 3 })).toMatchObject({ seq: 2 });
  });

  it("a hand-back is taken at once and is not a loss; runs the taker is executing itself are left alone", async () => {
    const run = await startRun();
    await claim("instance-c");
    expect(await handBackLeases(store.db, "instance-c")).toEqual([run.id]);
    expect(await handBackLeases(store.db, "instance-c")).toEqual([]);

    expect(await takeAbandoned("instance-d", [run.id])).toEqual([]);
    const [taken] = await takeAbandoned("instance-d");
    expect(taken).toMatchObject({
      id: run.id,
      attempt: 2,
      resumed: { reason: "shutdown", executorLosses: 0, cancelRequested: false },
    });
    // Held again, with a live lease: nobody else takes it.
    expect(await takeAbandoned("instance-e")).toEqual([]);
  });

  it("a run whose cancel was requested is taken with that request, so cancel wins over resume", async () => {
    const run = await startRun();
    await claim("instance-f");
    await store.db
      .update(runs)
      .set({ cancelRequestedAt: sql`now()`, leaseExpiresAt: sql`now() - interval '1 second'` })
      .where(eq(runs.id, run.id));
    const [taken] = await takeAbandoned("instance-g");
    expect(taken?.resumed).toMatchObject({ cancelRequested: true });
  });

  it("a renewal names the runs taken over; a run that ended is neither renewed nor taken over", async () => {
    const [held, cancelled, takenOver, ended] = [
      await startRun(),
      await startRun(),
      await startRun(),
      await startRun(),
    ];
    await claim("instance-h");
    await store.db
      .update(runs)
      .set({ cancelRequestedAt: sql`now()` })
      .where(eq(runs.id, cancelled.id));
    await expireLease(takenOver.id);
    expect((await takeAbandoned("instance-i", [])).map((run) => run.id)).toEqual([takenOver.id]);
    const lease = { status: "running", leaseOwner: "instance-h", attempt: 1, afterSeq: 1 } as const;
    const finish = { type: "RunFinished", status: "succeeded", source: "worker" } as const;
    expect(await store.log.append(ended.id, finish, lease)).toMatchObject({ seq: 2 });

    const renewal = await renewLeases(store.db, "instance-h", LEASE, [held.id, cancelled.id, takenOver.id, ended.id]);
    expect(renewal.renewed.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        { id: held.id, cancelRequested: false },
        { id: cancelled.id, cancelRequested: true },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(renewal.takenOver).toEqual([takenOver.id]);
  });
});
