// Live events of a caught-up run.events subscriber are written to its socket by the fan-out
// (delivery/socket-frames.ts), not through tRPC's per-message path: the same messages, in order,
// exactly once, across the switch from the backfill and back after a gap or a resync.
import { afterEach, describe, expect, it, vi } from "vitest";
import type WebSocket from "ws";
import { readEventsAfter } from "../src/server/events/read";
import { streamRunEvents } from "../src/server/delivery/stream";
import type { RunEvent } from "../src/server/events/types";
import { trackedPayloadEncoder } from "../src/server/http/ws-encoder";
import { awaitCondition, awaitOutboxFlush } from "./support/await";
import { range, useTestServer } from "./support/fixture";
import { gatedPlan } from "./support/gated-plan";
import { messageText, openRawSocket } from "./support/raw-trpc";
import { TEST_OWNER } from "./support/test-server";

const gate = gatedPlan();
const api = useTestServer({ plan: gate.plan });

afterEach(() => vi.restoreAllMocks());

/** Starts a run and lets `nodes` nodes finish; returns when their events are stored. */
async function runHeldAfter(nodes: number, expectedSeq: number) {
  const { trpc } = api().client();
  const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
  gate.open(nodes);
  await awaitCondition(
    async () => (await trpc.run.get.query({ runId: run.id })).lastSeq >= expectedSeq,
    `seq ${expectedSeq}`,
  );
  return run;
}

/** A raw WebSocket of the test owner, with every message it receives, parsed. */
async function rawSubscriber() {
  const socket = await openRawSocket(api().server.url, { authorization: `Bearer ${await api().tokenFor(TEST_OWNER)}` });
  const messages: { text: string; json: Record<string, unknown> }[] = [];
  socket.on("message", (data: WebSocket.RawData) => {
    const text = messageText(data);
    messages.push({ text, json: JSON.parse(text) as Record<string, unknown> });
  });
  return { socket, messages };
}

/** Counts the tracked data messages tRPC's own path encodes (the backfill), by subscription id. */
function countTrackedEncodes() {
  const counts = new Map<unknown, number>();
  const encode = trackedPayloadEncoder.encode.bind(trackedPayloadEncoder);
  vi.spyOn(trackedPayloadEncoder, "encode").mockImplementation((message: unknown) => {
    const { id, result } = message as { id?: unknown; result?: { type?: unknown; id?: unknown } };
    if (result?.type === "data" && typeof result.id === "string") counts.set(id, (counts.get(id) ?? 0) + 1);
    return encode(message);
  });
  return counts;
}

/** The message tRPC sends for `tracked(String(event.seq), event)`. */
const trackedMessage = (id: string | number, event: RunEvent) => ({
  id,
  jsonrpc: "2.0",
  result: { type: "data", data: { id: String(event.seq), data: event }, id: String(event.seq) },
});

describe("live events written by the fan-out", () => {
  it("follow the backfill in order, each once, also when events land during the backfill and after a resync", async () => {
    const run = await runHeldAfter(1, 5); // EnsureDevice done, Warmup started
    const { database, fanout } = api().server.services;
    let raced = false;
    let reads = 0;
    // Events committed while the backfill is read reach the subscriber's inbox before it hands off.
    const readEvents: typeof readEventsAfter = async (...args) => {
      const page = await readEventsAfter(...args);
      if (!raced) {
        raced = true;
        gate.open(1); // Warmup finishes, OpenApp starts: seq 6 and 7
        await awaitCondition(async () => (await readEventsAfter(database.db, run.id, 0, 100)).length >= 7, "seq 7");
        await awaitOutboxFlush(database.db, run.id);
      }
      reads += 1;
      return page;
    };

    const arrived: ["yielded" | "delivered", number][] = [];
    const consume = (async () => {
      const deliver = (event: RunEvent) => arrived.push(["delivered", event.seq]);
      const stream = streamRunEvents({ db: database.db, fanout, readEvents }, run.id, 0, undefined, { deliver });
      for await (const event of stream) arrived.push(["yielded", event.seq]);
    })();
    await awaitCondition(() => arrived.length >= 7, "events 1..7 yielded");
    gate.open(1); // OpenApp finishes, Ping starts: delivered straight away
    await awaitCondition(() => arrived.length >= 9, "seq 8 and 9");
    // The stream wakes, finds nothing new in the table and hands off again before the next appends.
    const readsBefore = reads;
    fanout.resyncAll();
    await awaitCondition(() => reads > readsBefore, "the catch-up read after the resync");
    gate.open(2);
    await consume;

    expect(raced).toBe(true);
    expect(arrived.map(([, seq]) => seq)).toEqual(range(1, 13));
    expect(arrived.slice(0, 7).every(([how]) => how === "yielded")).toBe(true);
    expect(arrived.slice(7)).toEqual(range(8, 13).map((seq) => ["delivered", seq]));
    expect(fanout.subscriberCount).toBe(0);
  });

  it("are the messages tRPC would send, then `stopped`, and skip tRPC's per-message encoding, backfill included", async () => {
    const run = await runHeldAfter(1, 5);
    const tracked = countTrackedEncodes();
    const { socket, messages } = await rawSubscriber();
    try {
      socket.send(
        JSON.stringify({
          id: "live-1",
          jsonrpc: "2.0",
          method: "subscription",
          params: { path: "run.events", input: { runId: run.id } },
        }),
      );
      await awaitCondition(() => messages.length >= 6, "started and the backfill of 5 events");
      gate.open(4);
      await awaitCondition(() => messages.length >= 15, "13 events and stopped");

      const events = await readEventsAfter(api().server.services.database.db, run.id, 0, 100);
      expect(messages.map((m) => m.json)).toEqual([
        { id: "live-1", jsonrpc: "2.0", result: { type: "started" } },
        ...events.map((event) => trackedMessage("live-1", event)),
        { id: "live-1", jsonrpc: "2.0", result: { type: "stopped" } },
      ]);
      expect(tracked.get("live-1")).toBeUndefined(); // the backfill is written straight to the socket too
    } finally {
      socket.close();
    }
  });

  it("resume from a lastEventId sent beside the input, as tRPC clients send it on reconnect", async () => {
    const run = await runHeldAfter(2, 7);
    const tracked = countTrackedEncodes();
    const { socket, messages } = await rawSubscriber();
    try {
      socket.send(
        JSON.stringify({
          id: 9,
          method: "subscription",
          params: { path: "run.events", input: { runId: run.id }, lastEventId: "5" },
        }),
      );
      await awaitCondition(() => messages.length >= 3, "started and events 6, 7");
      gate.open(3);
      await awaitCondition(() => messages.length >= 10, "events up to 13 and stopped");
      const data = messages.slice(1, -1).map((m) => (m.json.result as { id: string }).id);
      expect(data).toEqual(range(6, 13).map(String));
      expect(messages.at(-1)!.json).toEqual({ id: 9, result: { type: "stopped" } });
      expect(tracked.get(9)).toBeUndefined();
    } finally {
      socket.close();
    }
  });

  it("stop at an unsubscribe, which lets go of the subscriber", async () => {
    const run = await runHeldAfter(1, 5);
    const { fanout } = api().server.services;
    const before = fanout.subscriberCount;
    const { socket, messages } = await rawSubscriber();
    try {
      const subscribe = { id: 1, method: "subscription", params: { path: "run.events", input: { runId: run.id } } };
      socket.send(JSON.stringify(subscribe));
      await awaitCondition(() => messages.length >= 6, "the backfill");
      gate.open(1);
      await awaitCondition(() => messages.length >= 8, "seq 6 and 7, live");
      socket.send(JSON.stringify({ id: 1, method: "subscription.stop" }));
      await awaitCondition(() => fanout.subscriberCount === before, "the subscriber to be let go");
      await awaitCondition(() => messages.at(-1)?.json.result !== undefined, "stopped");
      expect(messages.at(-1)!.json).toEqual({ id: 1, result: { type: "stopped" } });

      // The run goes on; nothing more reaches the socket for that subscription.
      const stoppedAt = messages.length;
      const watcher = api().client();
      gate.open(3);
      await awaitCondition(
        async () => (await watcher.trpc.run.get.query({ runId: run.id })).status === "succeeded",
        "the run to finish",
      );
      await awaitOutboxFlush(api().server.services.database.db, run.id);
      socket.send(JSON.stringify({ id: 2, method: "query", params: { path: "run.get", input: { runId: run.id } } }));
      await awaitCondition(() => messages.some((m) => m.json.id === 2), "an answer on the same socket");
      expect(messages.slice(stoppedAt).map((m) => m.json.id)).toEqual([2]);
    } finally {
      socket.close();
    }
  });
});
