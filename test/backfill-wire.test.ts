// A run.events backfill is written to the socket a page at a time from the events' JSON
// (delivery/backfill-frames.ts): on the wire it is still one tracked message per event, byte for
// byte what tRPC's own path sent, followed without a gap or a repeat by the live events; it goes as
// fast as the reader reads, without tripping the socket guard, and stops when the reader leaves.
import { afterEach, describe, expect, it, vi } from "vitest";
import type WebSocket from "ws";
import { readEventsAfter } from "../src/server/events/read";
import type { RunEvent } from "../src/server/events/types";
import { trackedPayloadEncoder } from "../src/server/http/ws-encoder";
import { awaitCondition } from "./support/await";
import { range, useTestServer } from "./support/fixture";
import { gatedPlan } from "./support/gated-plan";
import { kernelQueues } from "./support/kernel-queues";
import { insertOddEvents } from "./support/odd-events";
import { messageText, openRawSocket } from "./support/raw-trpc";
import { TEST_OWNER, type TestServer } from "./support/test-server";

// Runs are held in their first node: their live events are appended by the tests.
const gate = gatedPlan();
// The smallest backlog WS_MAX_BUFFERED_BYTES allows: a backfill page is several times larger.
const api = useTestServer({ plan: gate.plan, limits: { socketBufferBytes: 64 * 1024 } });
// The same, with a keep-alive that drops a silent socket 1.3 to 1.45 s after it was last heard.
const keptAlive = useTestServer({
  plan: gate.plan,
  limits: { socketBufferBytes: 64 * 1024, pingMs: 300, pongWaitMs: 1_000 },
});

afterEach(() => vi.restoreAllMocks());

/** A run held in its first node (seq 1-3, the gate stays shut), with `padding` events and the odd ones stored after them. */
async function heldRunWithStoredEvents(padding: number, paddingBytes = 0, server: TestServer = api()) {
  const { trpc } = server.client();
  const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
  await awaitCondition(async () => (await trpc.run.get.query({ runId: run.id })).lastSeq === 3, "seq 3");
  const lastSeq = await insertOddEvents(server.server.services.database.db, run.id, { padding, paddingBytes });
  return { runId: run.id, lastSeq };
}

/** A raw WebSocket of the test owner, with the text of every message it receives. */
async function rawSubscriber(server: TestServer = api()) {
  const authorization = `Bearer ${await server.tokenFor(TEST_OWNER)}`;
  const socket = await openRawSocket(server.server.url, { authorization });
  const texts: string[] = [];
  let closed = false;
  socket.on("message", (data: WebSocket.RawData) => texts.push(messageText(data)));
  socket.on("close", () => (closed = true));
  return { socket, texts, closed: () => closed };
}

/** The text tRPC's own path sends for `tracked(String(event.seq), event)`: its encoder's, JSON.stringify's. */
const oldFrame = (id: string | number, jsonrpc: "2.0" | undefined, event: RunEvent) =>
  JSON.stringify({
    id,
    jsonrpc,
    result: { type: "data", data: { id: String(event.seq), data: event }, id: String(event.seq) },
  });

/** Appends `count` live events to a held run, then cancels it (RunFinished). */
async function appendLiveThenCancel(runId: string, count: number) {
  const { eventLog } = api().server.services;
  for (let i = 0; i < count; i += 1) {
    const event = await eventLog.append(
      runId,
      { type: "DebugTrace", source: "worker", fn: `live.${i}` },
      { status: "running" },
    );
    if (!event) throw new Error("append refused");
  }
  await api().client().trpc.run.cancel.mutate({ runId });
}

const dataSeqs = (texts: string[]) =>
  texts.flatMap((text) => {
    const { result } = JSON.parse(text) as { result?: { type: string; id?: string } };
    return result?.type === "data" ? [Number(result.id)] : [];
  });

describe("a run.events backfill written a page at a time", () => {
  it(
    "is byte for byte what tRPC's path sent, then the live events, each once and in order",
    { timeout: 60_000 },
    async () => {
      const { runId, lastSeq } = await heldRunWithStoredEvents(2_345);
      const encoded = vi.spyOn(trackedPayloadEncoder, "encode");
      const first = await rawSubscriber();
      const second = await rawSubscriber();
      try {
        const subscribe = { method: "subscription", params: { path: "run.events", input: { runId } } };
        first.socket.send(JSON.stringify({ id: "s-1", jsonrpc: "2.0", ...subscribe }));
        second.socket.send(
          JSON.stringify({ id: 7, method: "subscription", params: { ...subscribe.params, lastEventId: "1234" } }),
        );
        await awaitCondition(() => first.texts.length === 1 + lastSeq, "the first backfill");
        await awaitCondition(() => second.texts.length === 1 + lastSeq - 1234, "the second backfill");
        await appendLiveThenCancel(runId, 3); // live events, RunFinished last
        await awaitCondition(() => first.texts.at(-1)?.includes(`"stopped"`) === true, "the first stream to stop");
        await awaitCondition(() => second.texts.at(-1)?.includes(`"stopped"`) === true, "the second stream to stop");

        const events = await readEventsAfter(api().server.services.database.db, runId, 0, 10_000);
        expect(events.length).toBeGreaterThan(lastSeq);
        expect(first.texts).toEqual([
          `{"id":"s-1","jsonrpc":"2.0","result":{"type":"started"}}`,
          ...events.map((event) => oldFrame("s-1", "2.0", event)),
          `{"id":"s-1","jsonrpc":"2.0","result":{"type":"stopped"}}`,
        ]);
        expect(second.texts).toEqual([
          `{"id":7,"result":{"type":"started"}}`,
          ...events.slice(1234).map((event) => oldFrame(7, undefined, event)),
          `{"id":7,"result":{"type":"stopped"}}`,
        ]);
        // Nothing of either stream went through tRPC's per-message path but started and stopped.
        const trackedData = encoded.mock.calls.filter(([message]) => JSON.stringify(message).includes(`"type":"data"`));
        expect(trackedData).toEqual([]);
      } finally {
        first.socket.close();
        second.socket.close();
      }
    },
  );

  it(
    "hands off to live delivery without a gap or a repeat while the run appends during the backfill",
    { timeout: 60_000 },
    async () => {
      const { runId } = await heldRunWithStoredEvents(5_000);
      const { socket, texts } = await rawSubscriber();
      try {
        socket.send(
          JSON.stringify({ id: 1, method: "subscription", params: { path: "run.events", input: { runId } } }),
        );
        await awaitCondition(() => texts.length >= 2, "the backfill's first frame");
        await appendLiveThenCancel(runId, 30); // appended while the backfill's pages are written
        await awaitCondition(() => texts.at(-1)?.includes(`"stopped"`) === true, "the stream to stop", 30_000);
        const events = await readEventsAfter(api().server.services.database.db, runId, 0, 10_000);
        expect(dataSeqs(texts)).toEqual(range(1, events.length));
        expect(events.at(-1)!.type).toBe("RunFinished");
      } finally {
        socket.close();
      }
    },
  );

  it(
    "waits for a reader that stops reading instead of overrunning the socket guard, and goes on when it reads",
    { timeout: 90_000 },
    async () => {
      // ~40 MB: more than the kernel's socket buffers hold between the two ends.
      const { runId, lastSeq } = await heldRunWithStoredEvents(20_000, 2_000);
      const { socket, texts, closed } = await rawSubscriber();
      try {
        socket.pause();
        socket.send(
          JSON.stringify({ id: 1, method: "subscription", params: { path: "run.events", input: { runId } } }),
        );
        await backedUp(socket);
        // Calls that each take the server a turn and a query: a server that kept writing would now
        // be past the guard's 64 KB and have dropped the socket.
        const { trpc } = api().client();
        for (let i = 0; i < 20; i += 1) await trpc.run.get.query({ runId });
        socket.resume();
        await awaitCondition(() => texts.length === 1 + lastSeq, "the whole backfill", 60_000);
        expect(dataSeqs(texts)).toEqual(range(1, lastSeq));
        expect(closed()).toBe(false);
      } finally {
        socket.close();
        await api().client().trpc.run.cancel.mutate({ runId });
      }
    },
  );

  it("stops when the reader unsubscribes while the backfill waits for it", { timeout: 90_000 }, async () => {
    const { runId, lastSeq } = await heldRunWithStoredEvents(20_000, 2_000);
    const { fanout } = api().server.services;
    const before = fanout.subscriberCount;
    const { socket, texts } = await rawSubscriber();
    try {
      socket.pause();
      socket.send(JSON.stringify({ id: 1, method: "subscription", params: { path: "run.events", input: { runId } } }));
      // Until nothing more fits between the two ends: the server's own backlog is then past the
      // mark past which its calls wait, and the stop must still be read.
      await backedUp(socket, { settled: true });
      socket.send(JSON.stringify({ id: 1, method: "subscription.stop" }));
      await awaitCondition(() => fanout.subscriberCount === before, "the subscriber to be let go");
      socket.resume();
      await awaitCondition(() => texts.at(-1)?.includes(`"stopped"`) === true, "stopped", 60_000);
      const seqs = dataSeqs(texts);
      expect(seqs).toEqual(range(1, seqs.length));
      expect(seqs.length).toBeLessThan(lastSeq);
    } finally {
      socket.close();
      await api().client().trpc.run.cancel.mutate({ runId });
    }
  });

  it(
    "still drops a reader that answers the keep-alive but does not read its backfill, and lets it go",
    { timeout: 90_000 },
    async () => {
      const server = keptAlive();
      const { fanout } = server.server.services;
      const before = fanout.subscriberCount;
      const { runId } = await heldRunWithStoredEvents(20_000, 2_000, server);
      const { socket, closed } = await rawSubscriber(server);
      // The server reads what it sends (a stop would be heard), but a PONG is no answer while
      // nothing it was sent drains.
      const pongs = setInterval(() => socket.send("PONG"), 100);
      try {
        socket.pause();
        socket.send(
          JSON.stringify({ id: 1, method: "subscription", params: { path: "run.events", input: { runId } } }),
        );
        await backedUp(socket, { server });
        await awaitCondition(() => closed(), "the keep-alive to drop the reader", 15_000);
        await awaitCondition(() => fanout.subscriberCount === before, "the subscriber to be let go");
      } finally {
        clearInterval(pongs);
        await server.client().trpc.run.cancel.mutate({ runId });
      }
    },
  );
});

/**
 * Waits until the connection is backed up: the client's kernel holds unread bytes and the server's
 * holds unsent ones; `settled`, until the server's send queue has also stopped growing (the
 * server has written all it will until the client reads).
 */
async function backedUp(socket: WebSocket, { settled = false, server = api() } = {}) {
  const client = (socket as unknown as { _socket: { localPort: number } })._socket;
  const serverPort = Number(new URL(server.server.url).port);
  let queues = { send: 0, receive: 0 };
  let unchangedPolls = 0;
  await awaitCondition(
    () => {
      const server = kernelQueues(serverPort, client.localPort);
      const reader = kernelQueues(client.localPort, serverPort);
      const previousSend = queues.send;
      queues = { send: server?.send ?? 0, receive: reader?.receive ?? 0 };
      unchangedPolls = queues.send === previousSend ? unchangedPolls + 1 : 0;
      return queues.send > 0 && queues.receive > 0 && (!settled || unchangedPolls >= SETTLED_POLLS);
    },
    "the connection to back up",
    30_000,
    () => `server send queue ${queues.send}, client receive queue ${queues.receive}`,
  );
  return queues;
}

// Polls (10 ms apart) the server's send queue must stay the same for to count as settled.
const SETTLED_POLLS = 20;
