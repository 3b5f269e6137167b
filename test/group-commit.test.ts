import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runEvents, runOutbox, runs } from "../src/db/schema";
import { appendBatch } from "../src/server/events/append-batch";
import type { NewEvent } from "../src/server/events/types";
import { claimQueuedRuns } from "../src/server/executor/leases";
import { startQueuedRun, useEventLogDatabase } from "./support/event-log-database";

// Group commit against a real database: appends of many runs asked for in one turn share a
// statement, and each still gets its own seq, its own answer and its own refusal.
const store = useEventLogDatabase();

const INSTANCE = "instance-a";
const nodeStarted = (name: string): NewEvent => ({ type: "NodeStarted", name, source: "worker" });

/** `count` runs, running under INSTANCE's lease at attempt 1, each with its RunStarted (seq 1). */
async function runningRuns(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push((await startQueuedRun(store.log, { ownerId: "owner", appPath: "/", stepDelayMs: 0 })).id);
  const claimed = await claimQueuedRuns(store.db, { instanceId: INSTANCE, leaseMs: 60_000 }, count, {
    slotsPerOwner: count,
    held: new Map(),
  });
  expect(claimed.map((run) => run.id).sort()).toEqual([...ids].sort());
  return ids;
}

const lease = (afterSeq: number) => ({ status: "running", leaseOwner: INSTANCE, attempt: 1, afterSeq }) as const;

async function storedSeqs(runId: string): Promise<number[]> {
  const rows = await store.db
    .select({ seq: runEvents.seq })
    .from(runEvents)
    .where(eq(runEvents.runId, runId))
    .orderBy(runEvents.seq);
  return rows.map((row) => row.seq);
}

describe("group commit", () => {
  it("commits the appends of many runs asked for in one turn as one statement, each with its run's next seq", async () => {
    const ids = await runningRuns(20);
    for (let step = 0; step < 3; step++) {
      const before = store.log.groupCommit.batches;
      const appended = await Promise.all(
        ids.map((id) => store.log.append(id, nodeStarted(`Step${step}`), lease(step + 1))),
      );
      expect(store.log.groupCommit.batches - before).toBe(1);
      expect(appended.map((event) => [event?.runId, event?.seq, event?.name])).toEqual(
        ids.map((id) => [id, step + 2, `Step${step}`]),
      );
    }
    for (const id of ids) expect(await storedSeqs(id)).toEqual([1, 2, 3, 4]);
    const outbox = await store.db.select({ seq: runOutbox.seq }).from(runOutbox).where(eq(runOutbox.runId, ids[0]!));
    expect(outbox.map((row) => row.seq).sort()).toEqual([1, 2, 3, 4]);
  });

  it("two appends of one run in the same turn go in consecutive batches, in the order asked", async () => {
    const [id] = await runningRuns(1);
    const [first, second] = await Promise.all([
      store.log.append(id!, nodeStarted("First"), { status: "running" }),
      store.log.append(id!, nodeStarted("Second"), { status: "running" }),
    ]);
    expect([first?.seq, first?.name, second?.seq, second?.name]).toEqual([2, "First", 3, "Second"]);
  });

  it("a refused guard answers null for that append only; the others in the batch commit", async () => {
    const [lost, finished, behind, ok] = await runningRuns(4);
    // lost: another instance holds it now; finished: its RunFinished is written; behind: the writer's seq is stale.
    await store.db.update(runs).set({ leaseOwner: "instance-b" }).where(eq(runs.id, lost!));
    expect(await store.log.finish(finished!, { status: "succeeded" }, "worker", lease(1))).toMatchObject({ seq: 2 });

    const results = await appendBatch(store.db, [
      { runId: lost!, event: nodeStarted("A"), guard: lease(1), ts: 1 },
      { runId: finished!, event: nodeStarted("A"), guard: { status: "running" }, ts: 1 },
      { runId: behind!, event: nodeStarted("A"), guard: lease(0), ts: 1 },
      { runId: ok!, event: nodeStarted("A"), guard: lease(1), ts: 1 },
    ]);
    expect(results.map((event) => event?.seq ?? null)).toEqual([null, null, null, 2]);
    expect(await storedSeqs(lost!)).toEqual([1]);
    expect(await storedSeqs(finished!)).toEqual([1, 2]);
    expect(await storedSeqs(behind!)).toEqual([1]);
    expect(await storedSeqs(ok!)).toEqual([1, 2]);
  });

  it("a RunFinished in a batch moves its run to the terminal status with its output, and nothing follows it", async () => {
    const [done, failed, other] = await runningRuns(3);
    const results = await Promise.all([
      store.log.append(
        done!,
        { type: "RunFinished", status: "succeeded", output: { pages: 3 }, source: "worker" },
        lease(1),
      ),
      store.log.append(
        failed!,
        { type: "RunFinished", status: "failed", reason: "error:x", source: "worker" },
        lease(1),
      ),
      store.log.append(other!, nodeStarted("A"), lease(1)),
    ]);
    expect(results.map((event) => [event?.type, event?.seq, event?.status])).toEqual([
      ["RunFinished", 2, "succeeded"],
      ["RunFinished", 2, "failed"],
      ["NodeStarted", 2, undefined],
    ]);
    const [doneRow] = await store.db.select().from(runs).where(eq(runs.id, done!));
    const [failedRow] = await store.db.select().from(runs).where(eq(runs.id, failed!));
    expect([doneRow?.status, doneRow?.output, doneRow?.finishedAt instanceof Date]).toEqual([
      "succeeded",
      { pages: 3 },
      true,
    ]);
    expect([failedRow?.status, failedRow?.output]).toEqual(["failed", null]);
    expect(await store.log.append(done!, nodeStarted("After"), { status: "running" })).toBeNull();
  });

  it("when the database refuses the batch statement, each append is tried alone: only the refused one fails", async () => {
    const [corrupt, a, b] = await runningRuns(3);
    // A run whose row says running although its RunFinished is stored (written around the code):
    // the guard passes, and the append-guard trigger refuses the insert, failing the whole statement.
    await store.log.finish(corrupt!, { status: "cancelled", reason: "user_cancelled" }, "api", { status: "running" });
    await store.db.execute(sql`update runs set status = 'running', finished_at = null where id = ${corrupt!}`);

    const before = store.log.groupCommit.batches;
    const settled = await Promise.allSettled([
      store.log.append(a!, nodeStarted("A"), lease(1)),
      store.log.append(corrupt!, nodeStarted("A"), { status: "running" }),
      store.log.append(b!, nodeStarted("A"), lease(1)),
    ]);
    expect(store.log.groupCommit.batches - before).toBe(1);
    expect(settled[0]).toMatchObject({ status: "fulfilled", value: { runId: a, seq: 2 } });
    expect(settled[1]).toMatchObject({ status: "rejected" });
    const refusal = (settled[1] as PromiseRejectedResult).reason as Error & { cause?: Error };
    expect(refusal.cause?.message ?? refusal.message).toMatch(/no event may follow RunFinished/);
    expect(settled[2]).toMatchObject({ status: "fulfilled", value: { runId: b, seq: 2 } });
    expect(await storedSeqs(corrupt!)).toEqual([1, 2]);
    expect(await storedSeqs(a!)).toEqual([1, 2]);
  });
});
