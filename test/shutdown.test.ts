import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { runOutbox } from "../src/db/schema";
import { findRun } from "../src/server/runs/queries";
import { awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs } from "./support/fixture";
import { gatedPlan } from "./support/gated-plan";
import { createTestDatabase, type TestDatabase } from "./support/test-database";
import { startTestServer } from "./support/test-server";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe("graceful shutdown", () => {
  it("ends runs in flight as executor_lost, publishes everything, and a restart serves the whole run", async () => {
    const gate = gatedPlan();
    const first = await startTestServer(database, { plan: gate.plan });
    const { trpc } = first.client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
    const stream = subscribeEvents(trpc, { runId: run.id });
    gate.open(1);
    await awaitEvents(stream, (events) => events.length >= 5, "the run to reach Warmup");

    await first.close();

    // The first server drained its outbox before closing: nothing is left for anyone else.
    const inspect = database.open();
    const outbox = await inspect.db.select().from(runOutbox).where(eq(runOutbox.runId, run.id));
    await inspect.close();
    expect(outbox).toHaveLength(6);
    expect(outbox.filter((row) => row.publishedAt === null)).toEqual([]);

    const second = await startTestServer(database);
    try {
      const stored = await findRun(second.server.services.database.db, run.id);
      expect(stored).toMatchObject({ status: "failed" });
      const events = await awaitStreamCompletion(subscribeEvents(second.client().trpc, { runId: run.id }));
      expect(seqs(events)).toEqual(range(1, 6));
      expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "failed", reason: "executor_lost" });
    } finally {
      await second.close();
    }
  });
});
