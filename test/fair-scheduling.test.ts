import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { EventLog } from "../src/server/events/event-log";
import { claimQueuedRuns } from "../src/server/executor/leases";
import { applyMigrations } from "../src/db/migrate";
import { awaitCondition, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";
import { createTestDatabase } from "./support/test-database";
import { startQueuedRun } from "./support/event-log-database";

const api = useTestServer({ executor: { concurrency: 4, slotsPerOwner: 2 } });

describe("fair scheduling across owners", () => {
  it("one owner's long runs hold at most its slots, so a quiet owner's run starts at once", async () => {
    const heavy = api().client({ token: await api().tokenFor("heavy-owner") });
    const quiet = api().client({ token: await api().tokenFor("quiet-owner") });
    const long = await Promise.all(
      Array.from({ length: 6 }, () => heavy.trpc.run.start.mutate({ stepDelayMs: 60_000 })),
    );
    const statuses = async () => Promise.all(long.map((run) => heavy.trpc.run.get.query({ runId: run.id })));
    await awaitCondition(
      async () => (await statuses()).filter((run) => run.status === "running").length === 2,
      "two of the heavy owner's runs to start",
    );

    const startedAt = Date.now();
    const small = await quiet.trpc.run.start.mutate({ stepDelayMs: 0 });
    const events = await awaitStreamCompletion(subscribeEvents(quiet.trpc, { runId: small.id }), 5_000);
    expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "succeeded" });
    expect(Date.now() - startedAt).toBeLessThan(3_000);

    // The heavy owner still holds exactly its two slots, although two more are free.
    const after = await statuses();
    expect(after.filter((run) => run.status === "running")).toHaveLength(2);
    expect(after.filter((run) => run.status === "queued")).toHaveLength(4);
    await Promise.all(long.map((run) => heavy.trpc.run.cancel.mutate({ runId: run.id })));
  });

  it("claims round-robin: each owner's oldest run before anyone's second; anonymous owners by address", async () => {
    const database = await createTestDatabase();
    const handle = database.open();
    try {
      await applyMigrations(handle);
      const log = new EventLog(handle.db, {
        outbox: { wake() {} },
        metrics: { eventAppended() {}, runFinished() {}, runResumed() {} },
      });
      // created_at has millisecond precision: runs started within one millisecond tie, and a tie goes by
      // id (random). Each run here gets a millisecond of its own, in the order started, as runs started
      // apart would have.
      let started = 0;
      const inStartOrder = async <T extends { id: string }>(run: T): Promise<T> => {
        started += 1;
        await handle.db.execute(
          sql`update runs set created_at = '2026-01-01T00:00:00Z'::timestamptz + ${started} * interval '1 millisecond'
              where id = ${run.id}`,
        );
        return run;
      };
      const start = async (ownerId: string) =>
        inStartOrder(await startQueuedRun(log, { ownerId, appPath: "/", stepDelayMs: 0 }));
      const a = [await start("a"), await start("a"), await start("a")];
      const b = await start("b");
      const c = await start("c");

      const lease = { instanceId: "test-instance", leaseMs: 60_000 };
      const first = await claimQueuedRuns(handle.db, lease, 3, { slotsPerOwner: 5, held: new Map() });
      expect(first.map((run) => run.id).sort()).toEqual([a[0]!.id, b.id, c.id].sort());
      // Owner a already runs 2 here and may hold 3: only one more of its runs is claimed.
      const second = await claimQueuedRuns(handle.db, lease, 5, { slotsPerOwner: 3, held: new Map([["owner:a", 2]]) });
      expect(second.map((run) => run.id)).toEqual([a[1]!.id]);

      // Anonymous owners are free to mint: their runs share the slots of the address that created them.
      const fromOneAddress = async (ownerId: string) =>
        inStartOrder(
          await startQueuedRun(log, { ownerId, createdByAddress: "10.0.0.9", appPath: "/", stepDelayMs: 0 }),
        );
      await claimQueuedRuns(handle.db, lease, 10, { slotsPerOwner: 1, held: new Map() }); // the rest of a's
      const minted = [await fromOneAddress("anon:1"), await fromOneAddress("anon:2"), await fromOneAddress("anon:3")];
      const quiet = await start("quiet");
      const third = await claimQueuedRuns(handle.db, lease, 10, { slotsPerOwner: 2, held: new Map() });
      expect(third.map((run) => run.id).sort()).toEqual([minted[0]!.id, minted[1]!.id, quiet.id].sort());
      expect(third.find((run) => run.id === quiet.id)?.tenant).toBe("owner:quiet");
      expect(third.find((run) => run.id === minted[0]!.id)?.tenant).toBe("address:10.0.0.9");
    } finally {
      await database.drop();
    }
  });
});
