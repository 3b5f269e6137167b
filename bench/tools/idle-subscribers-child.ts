// The subscribers of idle-subscribers-heap.ts and fanout-cost.ts: SUBSCRIBERS tRPC clients on
// RUN_ID, each subscribed through the typed client's proxy (trpc.run.events.subscribe), or with
// FOLLOW=stream through its subscribeToRun. Prints "attached" once each has its first event (with CONNECT_ONLY=1: once each has its
// WebSocket open, to tell the socket's cost from the subscription's), then "delivered <seq> <ms>
// <cpu µs>" when the last subscriber receives event <seq> (with this process's CPU so far), and
// closes the clients when stdin ends.
import WebSocket from "ws";
import { createRunsClient, type RunsClient } from "@live-runs/client";
import { deliveryReport } from "./delivery-report";

const count = Number(process.env.SUBSCRIBERS);
// Sockets open a hundred at a time, as the fan-out bench's clients do: a storm of thousands of
// connects overflows the server's accept queue. Each client creates its socket after a turn (the URL
// is asked for asynchronously), so a batch is open once that many sockets have opened.
const BATCH = 100;
let opened = 0;
let batchOpen = () => {};
class TrackedWebSocket extends WebSocket {
  constructor(address: string | URL, protocols?: string | string[]) {
    super(address, protocols);
    this.once("open", () => (++opened % BATCH === 0 || opened === count) && batchOpen());
  }
}
const clients: ReturnType<typeof createRunsClient>[] = [];
for (let i = 0; i < count; i += BATCH) {
  const open = new Promise<void>((resolve) => (batchOpen = resolve));
  for (let j = i; j < Math.min(count, i + BATCH); j += 1)
    clients.push(createRunsClient({ url: process.env.URL!, token: process.env.TOKEN!, WebSocket: TrackedWebSocket }));
  await open;
}
const arrived = deliveryReport(count);

/** Follows the run through the typed client's proxy; resolves at the first event. */
const followTyped = ({ trpc }: RunsClient) =>
  new Promise<void>((resolve, reject) => {
    trpc.run.events.subscribe(
      { runId: process.env.RUN_ID! },
      {
        onData: ({ data }) => {
          arrived(data.seq);
          resolve();
        },
        onError: reject,
      },
    );
  });

/** Follows the run with the client's subscribeToRun (FOLLOW=stream); resolves at the first event. */
const followStream = (client: RunsClient) =>
  new Promise<void>((resolve, reject) => {
    void (async () => {
      for await (const event of client.subscribeToRun(process.env.RUN_ID!)) {
        arrived(event.seq);
        resolve();
      }
    })().catch(reject);
  });

const follow = process.env.FOLLOW === "stream" ? followStream : followTyped;
await Promise.all(process.env.CONNECT_ONLY === "1" ? [] : clients.map(follow));
process.stdout.write("attached\n");
process.stdin.resume();
await new Promise((resolve) => process.stdin.once("end", resolve));
await Promise.all(clients.map((client) => client.close()));
