import { randomUUID } from "node:crypto";
import { createRunsClient, type RunEvent } from "@live-runs/client";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { awaitStreamCompletion } from "./support/await";
import { range, seqs, useTestServer } from "./support/fixture";
import { freeEphemeralPort } from "./support/spawn-server";

const api = useTestServer();

/** Passes a stream's events on, calling `onEvent` with each first. */
async function* tap(stream: AsyncIterable<RunEvent>, onEvent: (event: RunEvent) => void) {
  for await (const event of stream) {
    onEvent(event);
    yield event;
  }
}

describe("subscribeToRun and waitForRun", () => {
  it("yields every event once, in order, across a dropped socket, and ends after RunFinished (beside a typed subscription on the same socket)", async () => {
    const sockets: WebSocket[] = [];
    class RecordingWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols);
        sockets.push(this);
      }
    }
    const client = api().client({ WebSocket: RecordingWebSocket, retryDelayMs: () => 50 });
    const run = await client.trpc.run.start.mutate({ stepDelayMs: 100 });
    // subscribeToRun reads the WebSocket client directly; the typed client's own subscriptions share it.
    const typed: number[] = [];
    const typedDone = new Promise<void>((resolve, reject) => {
      client.trpc.run.events.subscribe(
        { runId: run.id },
        { onData: ({ data }) => typed.push(data.seq), onComplete: resolve, onError: reject },
      );
    });
    const events = await awaitStreamCompletion(
      tap(client.subscribeToRun(run.id), (event) => {
        if (event.seq === 4) sockets[0]!.terminate();
      }),
    );
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    expect(seqs(events)).toEqual(range(1, 13));
    expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "succeeded" });
    await typedDone;
    expect(typed).toEqual(range(1, 13));
  });

  it("with fromSeq yields only the later events", async () => {
    const client = api().client();
    const run = await client.waitForRun((await client.trpc.run.start.mutate({ stepDelayMs: 0 })).id);
    expect(run).toMatchObject({ status: "succeeded", lastSeq: 13 });
    expect(seqs(await awaitStreamCompletion(client.subscribeToRun(run.id, { fromSeq: 10 })))).toEqual([11, 12, 13]);
    expect(await awaitStreamCompletion(client.subscribeToRun(run.id, { fromSeq: 13 }))).toEqual([]);
  });

  it("rejects with the server's refusal for an unknown run", async () => {
    const client = api().client();
    await expect(awaitStreamCompletion(client.subscribeToRun(randomUUID()))).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
    });
  });

  it("an aborted signal ends the iteration with its reason", async () => {
    const client = api().client();
    const run = await client.trpc.run.start.mutate({ stepDelayMs: 60_000 });
    const controller = new AbortController();
    const stopped = new Error("enough");
    const received = tap(client.subscribeToRun(run.id, { signal: controller.signal }), (event) => {
      if (event.seq === 2) controller.abort(stopped);
    });
    await expect(awaitStreamCompletion(received)).rejects.toBe(stopped);
    await client.trpc.run.cancel.mutate({ runId: run.id });
  });

  it("waitForRun resolves with a cancelled run once its RunFinished is written", async () => {
    const client = api().client();
    const run = await client.trpc.run.start.mutate({ stepDelayMs: 60_000 });
    const finished = client.waitForRun(run.id);
    await client.trpc.run.cancel.mutate({ runId: run.id });
    expect(await finished).toMatchObject({ id: run.id, status: "cancelled" });
  });

  it("reads run.events data off the socket itself (Node, ws): the socket's message listeners never see it", async () => {
    const seen: string[] = [];
    class ListenedWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols);
        // Listened to the way tRPC's client listens: the data messages of tapped subscriptions skip it.
        this.addEventListener("message", ({ data }) => seen.push(data as string));
      }
    }
    const client = api().client({ WebSocket: ListenedWebSocket });
    const run = await client.trpc.run.start.mutate({ stepDelayMs: 0 });
    const typed: number[] = [];
    await new Promise<void>((resolve, reject) => {
      client.trpc.run.events.subscribe(
        { runId: run.id },
        { onData: ({ data }) => typed.push(data.seq), onComplete: resolve, onError: reject },
      );
    });
    expect(seqs(await awaitStreamCompletion(client.subscribeToRun(run.id)))).toEqual(range(1, 13));
    expect(typed).toEqual(range(1, 13));
    const results = seen.map((text) => (JSON.parse(text) as { result?: { type: string } }).result?.type);
    expect(results).not.toContain("data");
    expect(results).toContain("started");
  });

  it("hands a tapped event to the typed subscriber's onData as tRPC's client does, between onStarted and onComplete", async () => {
    const client = api().client({ WebSocket });
    const run = await client.trpc.run.start.mutate({ stepDelayMs: 0 });
    const calls: string[] = [];
    const thisValues = new Set<unknown>();
    const options = {
      onStarted: () => calls.push("started"),
      onData(this: unknown, value: { id: string; data: RunEvent }) {
        thisValues.add(this);
        calls.push(`data ${value.id} ${value.data.seq}`);
      },
    };
    await new Promise<void>((resolve, reject) => {
      client.trpc.run.events.subscribe(
        { runId: run.id },
        Object.assign(options, { onComplete: resolve, onError: reject, onStopped: () => calls.push("stopped") }),
      );
    });
    // The tracked envelope ({ id, data: event }), once per event, after the subscription started.
    expect(calls[0]).toBe("started");
    expect(calls.filter((call) => call.startsWith("data"))).toEqual(range(1, 13).map((seq) => `data ${seq} ${seq}`));
    expect(calls.indexOf("stopped")).toBeGreaterThan(calls.lastIndexOf("data 13 13"));
    expect([...thisValues]).toEqual([options]);
  });

  it("rejects with the give-up error when the server cannot be reached", async () => {
    const url = `http://127.0.0.1:${await freeEphemeralPort()}`;
    const client = createRunsClient({ url, connectTimeoutMs: 500, retryDelayMs: () => 100 });
    try {
      await expect(awaitStreamCompletion(client.subscribeToRun(randomUUID()))).rejects.toThrow(
        "could not connect within 500 ms",
      );
    } finally {
      await client.close();
    }
  });
});
