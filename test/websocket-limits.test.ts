import { once } from "node:events";
import { createTRPCClient, createWSClient, TRPCClientError, wsLink } from "@trpc/client";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { AppRouter } from "@live-runs/client";
import { awaitCondition } from "./support/await";
import { useTestServer } from "./support/fixture";
import type { TestServer } from "./support/test-server";

// The defaults (20 calls in flight per socket, 20 queries and mutations per message), and a tight one.
const api = useTestServer();
const tight = useTestServer({ limits: { callsInFlightPerConnection: 2 } });
const MB = 1024 * 1024;

function wsUrl(server: TestServer = api()): string {
  return `${server.server.url.replace("http", "ws")}/api/trpc`;
}

/** A raw WebSocket speaking tRPC's wire format, authenticated by a token. */
async function rawSocket(token: string, server: TestServer = api()): Promise<WebSocket> {
  const socket = new WebSocket(wsUrl(server), { headers: { authorization: `Bearer ${token}` } });
  await once(socket, "open");
  return socket;
}

/** Counts the queries and mutations `server` runs (each holds an in-flight slot of its address while it runs). */
function countCalls(server: TestServer): { started(): number; running(): number; peak(): number } {
  const { addressLimits } = server.server.services;
  const holdRequest = addressLimits.holdRequest.bind(addressLimits);
  let started = 0;
  let running = 0;
  let peak = 0;
  addressLimits.holdRequest = (address) => {
    const release = holdRequest(address);
    started += 1;
    running += 1;
    peak = Math.max(peak, running);
    let released = false;
    return () => {
      if (!released) running -= 1;
      released = true;
      release();
    };
  };
  return { started: () => started, running: () => running, peak: () => peak };
}

/** 50 runs with long paths: each run.list answer is ~40 kB. */
async function bigListOwner(server: TestServer, ownerId: string): Promise<string> {
  const token = await server.tokenFor(ownerId);
  const { trpc } = server.client({ token });
  for (let i = 0; i < 5; i++) {
    await Promise.all(
      Array.from({ length: 10 }, () => trpc.run.start.mutate({ stepDelayMs: 60_000, appPath: `/${"x".repeat(500)}` })),
    );
  }
  return token;
}

/** A tRPC client that sends everything (queries and mutations too) over one WebSocket. */
function wsOnlyClient(server: TestServer, token: string) {
  const client = createWSClient({ url: wsUrl(server), WebSocket: WebSocket as never, connectionParams: { token } });
  return { trpc: createTRPCClient<AppRouter>({ links: [wsLink({ client })] }), close: () => client.close() };
}

const batch = (from: number, count: number, method: string, path: string, input: unknown) =>
  JSON.stringify(Array.from({ length: count }, (_, i) => ({ id: from + i, method, params: { path, input } })));

describe("WebSocket limits", () => {
  it("a socket that stops reading gets no more calls run: they wait unrun, it is read no further, memory stays bounded, and once it reads it gets every answer", async () => {
    const token = await bigListOwner(api(), "slow-reader");

    // A client that keeps up gets every answer.
    const reader = wsOnlyClient(api(), token);
    for (let round = 0; round < 3; round++) {
      const pages = await Promise.all(Array.from({ length: 20 }, () => reader.trpc.run.list.query({ limit: 100 })));
      expect(pages.every((page) => page.items.length === 50)).toBe(true);
    }
    await reader.close();

    // One that does not read, while it keeps sending batches of queries (each batch of 20 is ~0.8 MB of answers).
    const calls = countCalls(api());
    const socket = await rawSocket(token);
    socket.pause();
    const closes: number[] = [];
    socket.on("close", (code) => closes.push(code));
    const answers: { id: number; result?: unknown; error?: { data: { code: string } } }[] = [];
    socket.on("message", (data: Buffer) => answers.push(JSON.parse(data.toString("utf8")) as (typeof answers)[number]));
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    // One batch per turn of the event loop (the server is in this process), each padded to 32 kB
    // (JSON may start with blanks), until more than a megabyte waits in the client for the server
    // to take it.
    const padding = " ".repeat(32 * 1024);
    let frames = 0;
    while (frames < 2_000 && socket.bufferedAmount < MB) {
      socket.send(padding + batch(frames * 20, 20, "query", "run.list", { limit: 100 }));
      await new Promise<void>((resolve) => setImmediate(resolve));
      frames += 1;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    await awaitCondition(
      () => calls.running() === 0 && socket.bufferedAmount > 0,
      "the server to stop reading the socket, with nothing of it running and part of what it was sent unread",
    );
    console.log(
      `paused reader: ${frames} batches sent, ${calls.started()} calls run, rss +${((peak - baseline) / MB).toFixed(0)} MB`,
    );
    expect(frames).toBeLessThan(2_000);
    expect(closes).toEqual([]);
    expect(peak - baseline).toBeLessThan(100 * MB);

    // Reading again, it gets an answer to every call (run, or refused over the in-flight cap): it was never dropped.
    socket.resume();
    await awaitCondition(
      () => answers.length === frames * 20,
      "an answer to every call",
      30_000,
      () => `${answers.length} of ${frames * 20} answers`,
    );
    expect(new Set(answers.map((a) => a.id)).size).toBe(frames * 20);
    expect(answers.every((a) => a.result !== undefined || a.error?.data.code === "TOO_MANY_REQUESTS")).toBe(true);
    expect(closes).toEqual([]);
    socket.close();
  });

  it("queries and mutations beyond a socket's in-flight cap are refused; the ones in flight complete", async () => {
    const token = await tight().tokenFor("busy");
    const run = await tight().client({ token }).trpc.run.start.mutate({ stepDelayMs: 60_000 });
    const ws = wsOnlyClient(tight(), token);
    // Three calls in one tick travel in one message; each waits on the database, so the first
    // two are in flight when the third arrives.
    const calls = await Promise.allSettled([1, 2, 3].map(() => ws.trpc.run.get.query({ runId: run.id })));
    expect(calls.map((call) => call.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    const refused = (calls[2] as PromiseRejectedResult).reason as TRPCClientError<AppRouter>;
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect(refused.data).toMatchObject({ code: "TOO_MANY_REQUESTS", retryAfterMs: expect.any(Number) as number });
    // Answered calls free their slots, errors included.
    const unknown = "6f1c2a52-0000-4000-8000-000000000000";
    await expect(ws.trpc.run.get.query({ runId: unknown })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
    const again = await Promise.all([1, 2].map(() => ws.trpc.run.get.query({ runId: run.id })));
    expect(again.map((r) => r.id)).toEqual([run.id, run.id]);
    await ws.close();
  });

  it("messages sent faster than their calls finish wait for room instead of being refused", async () => {
    const token = await tight().tokenFor("eager");
    const run = await tight().client({ token }).trpc.run.start.mutate({ stepDelayMs: 60_000 });
    const calls = countCalls(tight());
    const socket = await rawSocket(token, tight());
    const answers: { id: number; result?: { data: { id: string } }; error?: unknown }[] = [];
    socket.on("message", (data: Buffer) => answers.push(JSON.parse(data.toString("utf8")) as (typeof answers)[number]));
    // Thirty one-call messages and two-call batches in one go, against a cap of two in flight.
    for (let i = 1; i <= 30; i++) {
      socket.send(
        i % 3 === 0
          ? batch(i * 100, 2, "query", "run.get", { runId: run.id })
          : JSON.stringify({ id: i * 100, method: "query", params: { path: "run.get", input: { runId: run.id } } }),
      );
    }
    await awaitCondition(
      () => answers.length === 40,
      "an answer to each of the 40 calls",
      10_000,
      () => `${answers.length} answers`,
    );
    expect(answers.filter((a) => a.error !== undefined)).toEqual([]);
    expect(answers.every((a) => a.result?.data.id === run.id)).toBe(true);
    expect(calls.peak()).toBeLessThanOrEqual(2);
    socket.close();
  });

  it("a message batching more queries and mutations than allowed is refused whole: nothing in it runs", async () => {
    const token = await api().tokenFor("batcher");
    const { trpc } = api().client({ token });
    const socket = await rawSocket(token);
    const answers: { id: number; error?: { data: { code: string; httpStatus: number } } }[] = [];
    socket.on("message", (data: Buffer) => answers.push(JSON.parse(data.toString("utf8")) as (typeof answers)[number]));

    // (Leading whitespace is still JSON.)
    socket.send(`${" ".repeat(100)}${batch(1, 21, "mutation", "run.start", { stepDelayMs: 0 })}`);
    await awaitCondition(() => answers.length === 21, "an answer to each call of the refused batch");
    expect(answers.map((a) => a.id).sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(answers.every((a) => a.error?.data.code === "PAYLOAD_TOO_LARGE" && a.error.data.httpStatus === 413)).toBe(
      true,
    );
    expect((await trpc.run.list.query()).items).toEqual([]);

    // Twenty is allowed.
    socket.send(batch(101, 20, "mutation", "run.start", { stepDelayMs: 0 }));
    await awaitCondition(() => answers.length === 41, "the answers to the allowed batch");
    expect(answers.slice(21).every((a) => a.error === undefined)).toBe(true);
    expect((await trpc.run.list.query({ limit: 100 })).items).toHaveLength(20);
    socket.close();
  });

  it("a socket told to close runs nothing it is sent after; one that keeps sending instead of closing is cut off", async () => {
    const token = await api().tokenFor("keeps-sending");
    const calls = countCalls(api());
    const before = calls.started();
    const socket = await rawSocket(token);
    socket.pause(); // never reads the close it is sent, so never answers it
    socket.on("error", () => {});
    let closed = false;
    socket.on("close", () => (closed = true));
    socket.send(batch(1, 500, "query", "run.list", {}));
    // Calls the server would run on an open socket, ~11 kB a message: a message's worth (64 kB) is
    // let through unread, then the connection is cut and the sends fail (20 MB, were it not).
    let sent = 0;
    while (!closed && sent < 2_000) {
      const frame = batch(1_000 + sent * 20, 20, "mutation", "run.start", {
        stepDelayMs: 0,
        appPath: `/${"y".repeat(480)}`,
      });
      await new Promise<void>((resolve) => socket.send(frame, () => resolve()));
      await new Promise<void>((resolve) => setImmediate(resolve)); // the server's turn (it is in this process)
      sent += 1;
    }
    await awaitCondition(() => closed, "the connection to be cut");
    expect(sent).toBeLessThan(2_000);
    expect(calls.started() - before).toBe(0);
    expect((await api().client({ token }).trpc.run.list.query()).items).toEqual([]);
  });

  it("a message with more calls than a socket could ever take closes it, unanswered", async () => {
    const token = await api().tokenFor("flooder");
    const socket = await rawSocket(token);
    const answers: unknown[] = [];
    socket.on("message", (data) => answers.push(data));
    const closed = once(socket, "close");
    socket.send(batch(1, 500, "query", "run.list", {}));
    const [code] = (await closed) as [number];
    expect(code).toBe(1008);
    expect(answers).toEqual([]);
    expect((await api().client({ token }).trpc.run.list.query()).items).toEqual([]);
  });
});
