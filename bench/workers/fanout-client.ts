// Holds `subscribers` WebSocket connections, one subscriber each, and records when every event
// reaches every subscriber. "trpc": real tRPC clients subscribed to run.events. "raw": plain `ws`
// clients of the raw broadcast server (the baseline).
import WebSocket from "ws";
import { createRunsClient, type RunsClient } from "@live-runs/client";
import type { FanoutConfig, FanoutResult } from "../lib/protocol";
import { preciseNow } from "../lib/stats";
import { watchRun } from "../lib/watch";
import { fromParent, runWorker, tellParent, workerConfig } from "../lib/worker";

// Handshakes in flight per client process. Up to 8 processes connect at once, and the server's
// accept queue holds 511: past it the kernel drops a handshake's last ACK, the client believes it is
// connected and waits for the upgrade answer for as long as TCP retransmits (the 10,000 bench hung so).
const CONNECT_BATCH = 50;
// A handshake that gets no answer is given up and retried (tRPC's client opens a new socket). Long:
// on a loaded machine a handshake answered in 10+ s is normal, and giving those up makes a storm.
const HANDSHAKE_TIMEOUT_MS = 60_000;

runWorker(async (): Promise<FanoutResult> => {
  const config = workerConfig<FanoutConfig>();
  return config.mode === "trpc" ? trpcSubscribers(config) : rawSubscribers(config);
});

async function trpcSubscribers(config: FanoutConfig): Promise<FanoutResult> {
  const result: FanoutResult = { ts: [], arrived: [], completed: 0, errors: [] };
  const clients: RunsClient[] = [];
  try {
    // Sockets opened so far, retries included: a batch is open once that many sockets have opened.
    let opened = 0;
    let batchOpen = () => {};
    class TrackedWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, { handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
        this.once("open", () => (++opened >= clients.length ? batchOpen() : undefined));
      }
    }
    while (clients.length < config.subscribers) {
      const open = new Promise<void>((resolve) => (batchOpen = resolve));
      const batch = Math.min(CONNECT_BATCH, config.subscribers - clients.length);
      for (let j = 0; j < batch; j += 1)
        clients.push(createRunsClient({ url: config.url, token: config.token, WebSocket: TrackedWebSocket }));
      await open;
    }
    tellParent({ type: "ready" });
    const { runId, backfill = 0 } = await fromParent("go");
    // Attached = subscribed and caught up with the events the run had when the subscribers were told.
    let attached = 0;
    const watched = await Promise.all(
      clients.map(({ trpc }) => {
        let received = 0;
        return watchRun(trpc, runId!, {
          onEvent: (event, arrivedAt) => {
            result.ts.push(event.ts);
            result.arrived.push(arrivedAt);
            received += 1;
            if (received === backfill && ++attached === clients.length)
              tellParent({ type: "subscribed", at: Date.now() });
          },
        });
      }),
    );
    for (const w of watched) {
      if (w.problem) result.errors.push(w.problem);
      else result.completed += 1;
    }
    return result;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

interface BroadcastFrame {
  result: { data: { data: { ts: number; type: string } } };
}

async function rawSubscribers(config: FanoutConfig): Promise<FanoutResult> {
  const result: FanoutResult = { ts: [], arrived: [], completed: 0, errors: [] };
  const sockets: WebSocket[] = [];
  const done: Promise<void>[] = [];
  try {
    for (let i = 0; i < config.subscribers; i += CONNECT_BATCH) {
      const opens: Promise<void>[] = [];
      for (let j = 0; j < Math.min(CONNECT_BATCH, config.subscribers - i); j += 1) {
        const socket = new WebSocket(config.url, { handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
        sockets.push(socket);
        opens.push(new Promise((resolve, reject) => socket.once("open", () => resolve()).once("error", reject)));
        done.push(
          new Promise((resolve) => {
            socket.on("message", (data: Buffer) => {
              const arrivedAt = preciseNow();
              const event = (JSON.parse(data.toString("utf8")) as BroadcastFrame).result.data.data;
              result.ts.push(event.ts);
              result.arrived.push(arrivedAt);
              if (event.type === "RunFinished") {
                result.completed += 1;
                resolve();
              }
            });
          }),
        );
      }
      await Promise.all(opens);
    }
    tellParent({ type: "ready" });
    await fromParent("go");
    tellParent({ type: "subscribed", at: Date.now() });
    await Promise.all(done);
    return result;
  } finally {
    for (const socket of sockets) socket.close();
  }
}
