import { eq, inArray, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client";
import { runOutbox, runs } from "../src/db/schema";
import { awaitCondition, awaitEvents, awaitOutboxFlush, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs } from "./support/fixture";
import { awaitLeaseOwner } from "./support/stored-runs";
import { FAST_LEASES, spawnTestServer, type TestServerProcess } from "./support/server-process";
import { createTestDatabase, type TestDatabase } from "./support/test-database";

// Several server processes need one shared Postgres; PGlite is single-process.
const hasPostgres = Boolean(process.env.TEST_DATABASE_URL);

describe.runIf(hasPostgres)("several instances on one Postgres", () => {
  let database: TestDatabase;
  let inspect: Database;
  let a: TestServerProcess;
  let b: TestServerProcess;
  const spawned: TestServerProcess[] = [];
  const spawn = async () => {
    const server = await spawnTestServer(database.url!, FAST_LEASES);
    spawned.push(server);
    return server;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    [a, b] = await Promise.all([spawn(), spawn()]);
    inspect = database.open();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(spawned.map((server) => server.stop()));
    await database.drop();
  });

  it("a subscriber on each instance gets every event of runs started on the other", async () => {
    const started = await Promise.all([
      a.client().trpc.run.start.mutate({ stepDelayMs: 20 }),
      b.client().trpc.run.start.mutate({ stepDelayMs: 20 }),
    ]);
    const streams = started.flatMap((run) =>
      [a, b].map((server) => awaitStreamCompletion(subscribeEvents(server.client().trpc, { runId: run.id }))),
    );
    for (const events of await Promise.all(streams)) {
      expect(seqs(events)).toEqual(range(1, 13));
      expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "succeeded" });
    }
  });

  it("cancel sent to one instance stops a run executing on the other, promptly", async () => {
    const run = await a.client().trpc.run.start.mutate({ stepDelayMs: 10_000 });
    const owner = await awaitLeaseOwner(inspect.db, run.id);
    const other = owner === a.instanceId ? b : a;
    const stream = subscribeEvents(other.client().trpc, { runId: run.id });
    await awaitEvents(stream, (events) => events.some((e) => e.type === "NodeStarted"), "the first node to start");

    const sentAt = Date.now();
    const cancelled = await other.client().trpc.run.cancel.mutate({ runId: run.id });
    const events = await awaitStreamCompletion(stream);
    const latencyMs = Date.now() - sentAt;

    expect(cancelled.status).toBe("cancelled");
    expect(latencyMs).toBeLessThan(10_000);
    expect(seqs(events)).toEqual(range(1, events.length));
    expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "cancelled", reason: "user_cancelled" });
  });

  it("outbox rows a dead instance left unpublished are published by the survivors", async () => {
    const victim = await spawn();
    const run = await victim.client().trpc.run.start.mutate({ stepDelayMs: 0 });
    await awaitCondition(async () => (await statusOf(run.id)) !== "queued", "claim");
    await victim.crash();
    // As if the victim had died between committing its appends and publishing them.
    await inspect.db.update(runOutbox).set({ publishedAt: null }).where(eq(runOutbox.runId, run.id));

    await awaitOutboxFlush(inspect.db, run.id, 10_000);
    const stream = await awaitStreamCompletion(subscribeEvents(a.client().trpc, { runId: run.id }), 20_000);
    expect(seqs(stream)).toEqual(range(1, stream.length));
    expect(stream.at(-1)?.type).toBe("RunFinished");
    const left = await inspect.db.select().from(runOutbox).where(eq(runOutbox.runId, run.id));
    expect(left.every((row) => row.publishedAt !== null)).toBe(true);
  });

  it("LISTEN connections terminated mid-stream: instances reconnect and subscribers miss nothing", async () => {
    const run = await a.client().trpc.run.start.mutate({ stepDelayMs: 150 });
    const streams = [a, b].map((server) => subscribeEvents(server.client().trpc, { runId: run.id }));
    await awaitEvents(streams[1]!, (events) => events.length >= 3, "the first events");

    const [terminated] = await inspect.db
      .select({ count: sql<number>`count(pg_terminate_backend(pid))::int` })
      .from(sql`pg_stat_activity`)
      .where(sql`datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`);
    expect(terminated!.count).toBeGreaterThanOrEqual(2);

    for (const stream of streams) {
      const events = await awaitStreamCompletion(stream, 20_000);
      expect(seqs(events)).toEqual(range(1, 13));
      expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "succeeded" });
    }
  });

  it("no run is left running: every run in this database ended", async () => {
    await awaitCondition(
      async () =>
        (
          await inspect.db
            .select()
            .from(runs)
            .where(inArray(runs.status, ["queued", "running"]))
        ).length === 0,
      "every run to end",
      20_000,
    );
    const unpublished = await inspect.db.select().from(runOutbox).where(isNull(runOutbox.publishedAt));
    expect(unpublished).toEqual([]);
  });

  async function statusOf(runId: string) {
    const [row] = await inspect.db.select({ status: runs.status }).from(runs).where(eq(runs.id, runId));
    return row?.status;
  }
});
