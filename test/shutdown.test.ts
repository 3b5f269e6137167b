import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { runOutbox, runs } from "../src/db/schema";
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
  it("hands runs in flight back, publishes everything, and a restart resumes them where they stopped", async () => {
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
    const [handedBack] = await inspect.db.select().from(runs).where(eq(runs.id, run.id));
    await inspect.close();
    expect(outbox).toHaveLength(5);
    expect(outbox.filter((row) => row.publishedAt === null)).toEqual([]);
    // Still running, with no lease holder: the next instance resumes it at once, not after a lease.
    expect(handedBack).toMatchObject({ status: "running", leaseOwner: null, attempt: 1, executorLosses: 0 });

    const second = await startTestServer(database);
    try {
      const events = await awaitStreamCompletion(subscribeEvents(second.client().trpc, { runId: run.id }));
      expect(seqs(events)).toEqual(range(1, 15));
      expect(events.slice(4).map(({ type, name, reason, attempt }) => ({ type, name, reason, attempt }))).toEqual([
        { type: "NodeStarted", name: "Warmup" },
        { type: "RunResumed", reason: "shutdown", attempt: 2 },
        { type: "NodeStarted", name: "Warmup" },
        { type: "NodeFinished", name: "Warmup" },
        ...["OpenApp", "Ping", "Teardown"].flatMap((name) => [
          { type: "NodeStarted", name },
          { type: "NodeFinished", name },
        ]),
        { type: "RunFinished", reason: undefined },
      ]);
      const stored = await findRun(second.server.services.database.db, run.id);
      expect(stored).toMatchObject({ status: "succeeded", attempt: 2 });
    } finally {
      await second.close();
    }
  });

  it("a run whose running node a deploy removed from the plan fails with a clear reason instead of resuming", async () => {
    const gate = gatedPlan();
    const first = await startTestServer(database, { plan: gate.plan });
    const { trpc } = first.client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
    const stream = subscribeEvents(trpc, { runId: run.id });
    gate.open(1);
    await awaitEvents(stream, (events) => events.at(-1)?.name === "Warmup", "the run to reach Warmup");
    await first.close();

    // The next version of the plan has no Warmup node.
    const changed = gate.plan.filter((node) => node.name !== "Warmup");
    const second = await startTestServer(database, { plan: changed });
    try {
      const events = await awaitStreamCompletion(subscribeEvents(second.client().trpc, { runId: run.id }));
      expect(events.at(-1)).toMatchObject({
        type: "RunFinished",
        status: "failed",
        reason: "plan_changed: plan canonical no longer has node Warmup here",
      });
      expect(events.some((e) => e.type === "RunResumed")).toBe(false);
    } finally {
      await second.close();
    }
  });
});
