// The fan-out baseline: a plain `ws` server that broadcasts the frames tRPC would send for a run's
// events (same JSON envelope and event fields, ts set at send time) to every connected client.
import { WebSocketServer } from "ws";
import type { BroadcastConfig } from "../lib/protocol";
import { sleep } from "../lib/stats";
import { fromParent, runWorker, tellParent, workerConfig } from "../lib/worker";

runWorker(async () => {
  const config = workerConfig<BroadcastConfig>();
  const wss = new WebSocketServer({ host: "127.0.0.1", port: config.port });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  tellParent({ type: "ready" });
  await fromParent("go");
  for (let i = 0; i < config.events.length; i += config.burst) {
    if (i > 0) await sleep(config.stepMs);
    for (const event of config.events.slice(i, i + config.burst)) {
      const seq = String(event.seq);
      const frame = JSON.stringify({
        id: 1,
        jsonrpc: "2.0",
        result: { type: "data", id: seq, data: { id: seq, data: { ...event, ts: Date.now() } } },
      });
      for (const client of wss.clients) client.send(frame);
    }
  }
  await fromParent("stop");
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  return { clients: wss.clients.size };
});
