import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runEvents, runs } from "../src/db/schema";
import type { CanonicalInput } from "../src/plans/canonical";
import type { PlanNode } from "../src/plans/types";
import { appendEvent } from "../src/server/events/append";
import { awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs, useTestServer } from "./support/fixture";

const NODE_TIMEOUT_MS = 300;
// The second node's behaviour is chosen by the run's stepDelayMs: 1 throws, 2 overruns the node
// timeout while ignoring its signal, anything else passes.
const plan: PlanNode<CanonicalInput>[] = [
  { name: "EnsureDevice", run: async (ctx) => ctx.trace("ensureDevice.check") },
  {
    name: "Flaky",
    run: async (ctx) => {
      if (ctx.input.stepDelayMs === 1) throw new Error("device unplugged");
      // Ignores its signal: the executor must still give up at the node timeout.
      if (ctx.input.stepDelayMs === 2) await new Promise((resolve) => setTimeout(resolve, NODE_TIMEOUT_MS * 10));
    },
  },
  { name: "Teardown", run: async () => {} },
];
const api = useTestServer({ plan, executor: { nodeTimeoutMs: NODE_TIMEOUT_MS } });

describe("run integrity", () => {
  it("a node that throws fails the run with its message", async () => {
    const { trpc } = api().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 1 });
    const events = await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
    expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "failed", reason: "error:device unplugged" });
    expect(seqs(events)).toEqual(range(1, events.length));
    expect(await trpc.run.get.query({ runId: run.id })).toMatchObject({ status: "failed" });
  });

  it("a node that overruns its timeout fails the run as timeout:<node>", async () => {
    const { trpc } = api().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 2 });
    const events = await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
    expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "failed", reason: "timeout:Flaky" });
    expect(events.map((e) => e.type)).toEqual([
      "RunStarted",
      "NodeStarted",
      "DebugTrace",
      "NodeFinished",
      "NodeStarted",
      "RunFinished",
    ]);
  });

  it("the database refuses any event after RunFinished, even written around the code", async () => {
    const { trpc } = api().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
    const events = await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
    expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "succeeded", seq: 9 });
    const db = api().server.services.database.db;

    // The code path: the status guard no longer holds.
    expect(
      await appendEvent(db, run.id, { type: "NodeStarted", source: "worker", name: "X" }, { status: "running" }),
    ).toBeNull();
    // Around the code: reserve a seq by hand and insert; the trigger refuses it.
    await expect(
      db.transaction(async (tx) => {
        const [row] = await tx
          .update(runs)
          .set({ lastSeq: sql`${runs.lastSeq} + 1` })
          .where(eq(runs.id, run.id))
          .returning({ seq: runs.lastSeq });
        await tx
          .insert(runEvents)
          .values({ runId: run.id, seq: row!.seq, ts: Date.now(), type: "NodeStarted", source: "worker" });
      }),
    ).rejects.toThrow();
    expect((await trpc.run.get.query({ runId: run.id })).lastSeq).toBe(9);
    expect(await db.select().from(runEvents).where(eq(runEvents.runId, run.id))).toHaveLength(9);
  });

  it("the database refuses a seq that was not reserved (gaps and duplicates)", async () => {
    const db = api().server.services.database.db;
    const [run] = await db
      .insert(runs)
      .values({ ownerId: "test-owner", appPath: "/", stepDelayMs: 0, lastSeq: 1 })
      .returning();
    const insert = (seq: number) =>
      db.insert(runEvents).values({ runId: run!.id, seq, ts: Date.now(), type: "RunStarted", source: "api" });
    await expect(insert(3)).rejects.toThrow();
    await insert(1);
    await expect(insert(1)).rejects.toThrow();
    await expect(insert(2)).rejects.toThrow();
    await expect(
      db.insert(runEvents).values({ runId: randomUUID(), seq: 1, ts: Date.now(), type: "RunStarted", source: "api" }),
    ).rejects.toThrow();
  });
});
