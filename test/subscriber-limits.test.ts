import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { awaitCondition, awaitStreamCompletion, subscribeEvents } from "./support/await";
import type { CanonicalInput } from "../src/plans/canonical";
import { activitySubscriberCount } from "../src/server/delivery/activity";
import type { PlanNode } from "../src/plans/types";
import { useTestServer } from "./support/fixture";
import { TEST_OWNER } from "./support/test-server";

// One node: it waits its step delay (a run that stays active, until cancelled), then floods the
// timeline with large DebugTrace events (under the 4000 bytes the outbox announces by NOTIFY),
// so a stalled reader's backlog grows fast: 50 of them, or 3,000 for the app path "/long".
const plan: PlanNode<CanonicalInput>[] = [
  {
    name: "Flood",
    async run(ctx) {
      if (ctx.input.stepDelayMs > 0) await sleep(ctx.input.stepDelayMs, undefined, { signal: ctx.signal });
      const count = ctx.input.appPath === "/long" ? 3_000 : 50;
      for (let i = 0; i < count && !ctx.signal.aborted; i++) await ctx.trace(`flood.${i}.${"x".repeat(3_000)}`);
    },
  },
];
const api = useTestServer({ plan, limits: { subscriptionsPerConnection: 3, socketBufferBytes: 16 * 1024 } });

describe("subscriber limits", () => {
  it("a connection may hold a bounded number of subscriptions", async () => {
    const { trpc } = api().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
    const open = [1, 2, 3].map(() => subscribeEvents(trpc, { runId: run.id }));
    await awaitCondition(() => open.every((s) => s.received.length >= 1), "three subscriptions to start");

    const fourth = subscribeEvents(trpc, { runId: run.id });
    await expect(awaitStreamCompletion(fourth)).rejects.toMatchObject({ data: { code: "TOO_MANY_REQUESTS" } });

    // Ending one frees its slot.
    open[0]!.unsubscribe();
    const replacement = subscribeEvents(trpc, { runId: run.id });
    await awaitCondition(() => replacement.received.length >= 1, "a replacement subscription to start");
    await trpc.run.cancel.mutate({ runId: run.id });
    for (const stream of [open[1]!, open[2]!, replacement]) await awaitStreamCompletion(stream);
  });

  it("a socket that stops reading is dropped instead of buffered without bound", async () => {
    const { fanout } = api().server.services;
    // A client that subscribes and then never reads a byte: a raw TCP socket speaking just enough
    // WebSocket to send one subscription request.
    const { port } = new URL(api().server.url);
    const socket = net.connect(Number(port), "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.pause();
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(
      [
        "GET /api/trpc HTTP/1.1",
        `Host: 127.0.0.1:${port}`,
        "Upgrade: websocket",
        "Connection: Upgrade",
        `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
        "Sec-WebSocket-Version: 13",
        // The same owner as the client below, so the activity of its runs is this socket's to receive.
        `Authorization: Bearer ${await api().tokenFor(TEST_OWNER)}`,
        "",
        "",
      ].join("\r\n"),
    );
    // Three subscriptions (the per-connection limit) triple the bytes piling up per event.
    for (const id of [1, 2, 3]) {
      socket.write(maskedTextFrame(JSON.stringify({ id, method: "subscription", params: { path: "run.activity" } })));
    }
    await awaitCondition(() => activitySubscriberCount(fanout) === 3, "the activity subscriptions");

    const { trpc } = api().client();
    let started = 0;
    let dropped = false;
    void closed.then(() => (dropped = true));
    while (!dropped && activitySubscriberCount(fanout) > 0 && started < 200) {
      await Promise.all(Array.from({ length: 5 }, () => trpc.run.start.mutate({ stepDelayMs: 0 })));
      started += 5;
    }

    await awaitCondition(
      () => activitySubscriberCount(fanout) === 0 && fanout.subscriberCount === 0,
      `the stalled subscription to be dropped (${started} runs started)`,
      30_000,
    );
    socket.destroy();
  });

  it("a socket that stops reading a run's live events is dropped too", { timeout: 60_000 }, async () => {
    const { fanout } = api().server.services;
    const { trpc } = api().client();
    // More than the kernel's socket buffers hold, a second after the start.
    const run = await trpc.run.start.mutate({ appPath: "/long", stepDelayMs: 1_000 });
    const socket = await stalledSocket();
    const before = fanout.subscriberCount;
    for (const id of [1, 2, 3]) {
      const request = { id, method: "subscription", params: { path: "run.events", input: { runId: run.id } } };
      socket.write(maskedTextFrame(JSON.stringify(request)));
    }
    await awaitCondition(() => fanout.subscriberCount === before + 3, "the run.events subscriptions");
    // The flood comes after they attached: it reaches them live, written by the fan-out.
    await awaitCondition(() => fanout.subscriberCount === before, "the stalled socket to be dropped", 40_000);
    socket.destroy();
    await trpc.run.cancel.mutate({ runId: run.id });
  });
});

/** A raw TCP socket of the test owner speaking just enough WebSocket to send requests, and never reading. */
async function stalledSocket(): Promise<net.Socket> {
  const { port } = new URL(api().server.url);
  const socket = net.connect(Number(port), "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.pause();
  socket.write(
    [
      "GET /api/trpc HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}`,
      "Sec-WebSocket-Version: 13",
      `Authorization: Bearer ${await api().tokenFor(TEST_OWNER)}`,
      "",
      "",
    ].join("\r\n"),
  );
  return socket;
}

/** One client-to-server WebSocket text frame (clients must mask). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 126) throw new Error("frame helper handles short messages only");
  const mask = randomBytes(4);
  const masked = payload.map((byte, i) => byte ^ mask[i % 4]!);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}
