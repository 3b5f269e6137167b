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
async function rawSocket(token: string): Promise<WebSocket> {
  const socket = new WebSocket(wsUrl(), { headers: { authorization: `Bearer ${token}` } });
  await once(socket, "open");
  return socket;
}

/** A tRPC client that sends everything (queries and mutations too) over one WebSocket. */
function wsOnlyClient(server: TestServer, token: string) {
  const client = createWSClient({ url: wsUrl(server), WebSocket: WebSocket as never, connectionParams: { token } });
  return { trpc: createTRPCClient<AppRouter>({ links: [wsLink({ client })] }), close: () => client.close() };
}

const batch = (from: number, count: number, method: string, path: string, input: unknown) =>
  JSON.stringify(Array.from({ length: count }, (_, i) => ({ id: from + i, method, params: { path, input } })));

describe("WebSocket limits", () => {
  it("a socket that stops reading its answers is dropped, and the server's memory stays bounded", async () => {
    const token = await api().tokenFor("slow-reader");
    const { trpc } = api().client({ token });
    // 50 runs with long paths: each run.list answer is ~40 kB, each batch of 20 ~0.8 MB.
    for (let i = 0; i < 5; i++) {
      await Promise.all(
        Array.from({ length: 10 }, () =>
          trpc.run.start.mutate({ stepDelayMs: 60_000, appPath: `/${"x".repeat(500)}` }),
        ),
      );
    }

    // A client that keeps up gets every answer.
    const reader = wsOnlyClient(api(), token);
    for (let round = 0; round < 3; round++) {
      const pages = await Promise.all(Array.from({ length: 20 }, () => reader.trpc.run.list.query({ limit: 100 })));
      expect(pages.every((page) => page.items.length === 50)).toBe(true);
    }
    await reader.close();

    // One that never reads, while it keeps sending batches of queries.
    const socket = await rawSocket(token);
    socket.pause();
    socket.on("error", () => {});
    const closed = once(socket, "close");
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let frames = 0;
    // One batch per turn of the event loop, as fast as the server takes them in.
    while (socket.readyState === WebSocket.OPEN && frames < 1_000) {
      const frame = batch(frames * 20, 20, "query", "run.list", { limit: 100 });
      await new Promise<void>((resolve) => socket.send(frame, () => resolve()));
      await new Promise<void>((resolve) => setImmediate(resolve));
      frames += 1;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    socket.resume();
    const [code] = (await closed) as [number];
    console.log(`paused reader: ${frames} batches sent, rss +${((peak - baseline) / MB).toFixed(0)} MB`);
    expect(socket.readyState).toBe(WebSocket.CLOSED);
    expect(code).toBe(1006); // the server cut it off; it did not close it politely
    expect(frames).toBeLessThan(1_000);
    expect(peak - baseline).toBeLessThan(100 * MB);
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
