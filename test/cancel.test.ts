import { describe, expect, it } from "vitest";
import { awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs, useTestServer } from "./support/fixture";

// One executor slot, so a second run stays queued while the first holds it.
const api = useTestServer({ executor: { concurrency: 1 } });

describe("cancel", () => {
  it("mid-plan: aborts the current node promptly and the stream ends cancelled", async () => {
    const { trpc } = api().client();
    const stepDelayMs = 5_000;
    const run = await trpc.run.start.mutate({ stepDelayMs });
    const stream = subscribeEvents(trpc, { runId: run.id });
    await awaitEvents(
      stream,
      (events) => events.some((e) => e.type === "NodeStarted" && e.name === "EnsureDevice"),
      "EnsureDevice to start",
    );

    const requestedAt = Date.now();
    const cancelled = await trpc.run.cancel.mutate({ runId: run.id });
    const cancelLatencyMs = Date.now() - requestedAt;
    const events = await awaitStreamCompletion(stream);

    expect(cancelled).toMatchObject({ id: run.id, status: "cancelled" });
    expect(cancelLatencyMs).toBeLessThan(stepDelayMs);
    expect(seqs(events)).toEqual(range(1, events.length));
    expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "cancelled", reason: "user_cancelled" });
    expect(events.filter((e) => e.type === "RunFinished")).toHaveLength(1);
    expect(events.some((e) => e.type === "NodeFinished")).toBe(false);
    // Nothing follows RunFinished, in the stream or in the table.
    expect((await trpc.run.get.query({ runId: run.id })).lastSeq).toBe(events.length);
  });

  it("a queued run finishes cancelled at once", async () => {
    const { trpc } = api().client();
    const blocker = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
    const blockerStream = subscribeEvents(trpc, { runId: blocker.id });
    await awaitEvents(blockerStream, (events) => events.length >= 2, "the blocking run to start");
    const queued = await trpc.run.start.mutate({ stepDelayMs: 0 });

    const cancelled = await trpc.run.cancel.mutate({ runId: queued.id });
    const events = await awaitStreamCompletion(subscribeEvents(trpc, { runId: queued.id }));

    expect(cancelled).toMatchObject({ status: "cancelled", startedAt: null, lastSeq: 2 });
    expect(cancelled.finishedAt).not.toBeNull();
    expect(events).toMatchObject([
      { seq: 1, type: "RunStarted" },
      { seq: 2, type: "RunFinished", status: "cancelled", reason: "user_cancelled", source: "api" },
    ]);
    await trpc.run.cancel.mutate({ runId: blocker.id });
    await awaitStreamCompletion(blockerStream);
  });

  it("a finished run is left as it is", async () => {
    const { trpc } = api().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
    await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
    const before = await trpc.run.get.query({ runId: run.id });

    const after = await trpc.run.cancel.mutate({ runId: run.id });

    expect(before).toMatchObject({ status: "succeeded", lastSeq: 13 });
    expect(after).toEqual(before);
    expect(await trpc.run.get.query({ runId: run.id })).toEqual(before);
  });
});
