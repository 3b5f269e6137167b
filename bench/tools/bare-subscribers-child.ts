// The bare counterpart of idle-subscribers-child.ts for fanout-cost.ts: SUBSCRIBERS plain `ws`
// sockets speaking tRPC's WebSocket protocol by hand (connection parameters, one run.events
// subscription), each message read with JSON.parse and nothing else. What a subscriber costs
// without the typed client, on the very frames the server sends. Same output: "attached" once
// each has its first event, then "delivered <seq> <ms> <cpu µs>"; closes its sockets when stdin ends.
import WebSocket from "ws";
import { deliveryReport } from "./delivery-report";

interface Frame {
  result?: { type: string; data?: { data: { seq: number } } };
}

const count = Number(process.env.SUBSCRIBERS);
const url = `${process.env.URL!.replace(/^http/, "ws")}/api/trpc?connectionParams=1`;
const BATCH = 100;
const arrived = deliveryReport(count);
const sockets: WebSocket[] = [];
let attached = 0;

function subscriber(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    sockets.push(socket);
    let first = true;
    socket.once("error", reject);
    socket.once("open", () => {
      socket.send(JSON.stringify({ method: "connectionParams", data: { token: process.env.TOKEN } }));
      const input = { runId: process.env.RUN_ID };
      socket.send(JSON.stringify({ id: 1, method: "subscription", params: { path: "run.events", input } }));
      resolve();
    });
    socket.on("message", (data: Buffer) => {
      const text = data.toString();
      if (text === "PING") return socket.send("PONG");
      const frame = JSON.parse(text) as Frame;
      if (frame.result?.type !== "data") return;
      const seq = frame.result.data!.data.seq;
      if (first) {
        first = false;
        if (++attached === count) process.stdout.write("attached\n");
      }
      arrived(seq);
    });
  });
}

for (let i = 0; i < count; i += BATCH)
  await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, () => subscriber()));
process.stdin.resume();
await new Promise((resolve) => process.stdin.once("end", resolve));
for (const socket of sockets) socket.close();
