import { once } from "node:events";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { awaitCondition, awaitEvents, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";

// Short keep-alive settings: a silent socket is pinged within 1.5 × 300 ms, and dropped 1 to 1.15 s
// after (a wait generous enough for a client on a loaded machine to answer).
const api = useTestServer({ limits: { pingMs: 300, pongWaitMs: 1_000 } });

async function rawSocket(): Promise<WebSocket> {
  const token = await api().tokenFor("keep-alive-owner");
  const socket = new WebSocket(`${api().server.url.replace("http", "ws")}/api/trpc`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await once(socket, "open");
  return socket;
}

/** Text frames the socket receives, in order. */
function textFrames(socket: WebSocket): string[] {
  const frames: string[] = [];
  socket.on("message", (data: Buffer) => frames.push(data.toString()));
  return frames;
}

describe("WebSocket keep-alive", () => {
  it("pings a silent socket and drops it when no answer comes", async () => {
    const socket = await rawSocket();
    const frames = textFrames(socket);
    const closed = once(socket, "close");
    await awaitCondition(
      () => frames.includes("PING"),
      "the server's PING",
      5_000,
      () => `frames: ${frames.join(" ")}`,
    );
    const [code] = (await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error("the silent socket was not dropped")), 5_000)),
    ])) as [number];
    expect(code).toBe(1006); // terminated, not closed politely
    expect(frames).toEqual(["PING"]);
  });

  it("keeps a socket that answers every PING", async () => {
    const socket = await rawSocket();
    let pings = 0;
    socket.on("message", (data: Buffer) => {
      if (data.toString() !== "PING") return;
      pings += 1;
      socket.send("PONG");
    });
    let closed = false;
    socket.on("close", () => (closed = true));
    await awaitCondition(() => pings >= 4 || closed, "four PINGs answered", 10_000);
    expect(closed).toBe(false);
    socket.close();
  });

  it("keeps a typed client's subscription through ping rounds, with no reconnect", async () => {
    let opened = 0;
    let pinged = 0;
    class CountingWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols);
        this.on("message", (data: Buffer) => void (data.toString() === "PING" && (pinged += 1)));
      }
    }
    const { trpc } = api().client({ WebSocket: CountingWebSocket, onOpen: () => (opened += 1) });
    const run = await trpc.run.start.mutate({ stepDelayMs: 400 });
    const stream = subscribeEvents(trpc, { runId: run.id });
    // Five steps of 400 ms: the subscriber, which sends nothing itself, is pinged every 300–450 ms.
    await awaitEvents(stream, (events) => events.at(-1)?.type === "RunFinished", "the run's 13 events");
    expect(stream.received.map((event) => event.seq)).toEqual(Array.from({ length: 13 }, (_, ix) => ix + 1));
    expect(opened).toBe(1);
    expect(pinged).toBeGreaterThanOrEqual(2);
  });
});
