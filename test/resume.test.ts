import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { awaitCondition, awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs, useTestServer } from "./support/fixture";
import { gatedPlan } from "./support/gated-plan";

const gate = gatedPlan();
const api = useTestServer({ plan: gate.plan });

async function finishedRun() {
  const { trpc } = api().client();
  const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
  gate.open(5);
  await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
  return run;
}

describe("resuming a stream", () => {
  it("fromSeq is exclusive: fromSeq 5 yields exactly 6..13", async () => {
    const run = await finishedRun();
    const { trpc } = api().client();
    const events = await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id, fromSeq: 5 }));
    expect(seqs(events)).toEqual(range(6, 13));
  });

  it("fromSeq equal to the last seq of a finished run yields nothing and completes", async () => {
    const run = await finishedRun();
    const { trpc } = api().client();
    const events = await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id, fromSeq: 13 }));
    expect(events).toEqual([]);
  });

  it("fromSeq beyond the run's last event is a BAD_REQUEST", async () => {
    const run = await finishedRun();
    const { trpc } = api().client();
    await expect(awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id, fromSeq: 14 }))).rejects.toMatchObject({
      data: { code: "BAD_REQUEST" },
    });
  });

  it("a client whose socket drops mid-run reconnects with lastEventId and misses nothing", async () => {
    const sockets: WebSocket[] = [];
    class RecordingWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols);
        sockets.push(this);
      }
    }
    const { trpc } = api().client({ WebSocket: RecordingWebSocket, retryDelayMs: () => 50 });
    const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
    const stream = subscribeEvents(trpc, { runId: run.id });
    gate.open(2); // EnsureDevice and Warmup finish: seq 1..6 are written
    await awaitEvents(stream, (events) => events.length >= 6, "the first 6 events");

    sockets[0]!.terminate();
    await awaitCondition(() => sockets.length === 2 && sockets[1]!.readyState === WebSocket.OPEN, "the reconnect");
    gate.open(3);
    const events = await awaitStreamCompletion(stream);

    expect(seqs(stream.received)).toEqual(range(1, 13));
    expect(events.length).toBe(13);
  });
});
