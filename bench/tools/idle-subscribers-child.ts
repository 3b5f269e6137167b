// The subscribers of idle-subscribers-heap.ts and fanout-cost.ts: SUBSCRIBERS tRPC clients on
// RUN_ID. Prints "attached" once each has its first event (with CONNECT_ONLY=1: once each has its
// WebSocket open, to tell the socket's cost from the subscription's), then "delivered <seq> <ms>
// <cpu µs>" when the last subscriber receives event <seq> (with this process's CPU so far), and
// closes the clients when stdin ends.
import WebSocket from "ws";
import { createRunsClient } from "@live-runs/client";

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
const arrivals = new Map<number, number>();
await Promise.all(
  process.env.CONNECT_ONLY === "1"
    ? []
    : clients.map(
        ({ trpc }) =>
          new Promise<void>((resolve, reject) => {
            trpc.run.events.subscribe(
              { runId: process.env.RUN_ID! },
              {
                onData: ({ data }) => {
                  const arrived = (arrivals.get(data.seq) ?? 0) + 1;
                  arrivals.set(data.seq, arrived);
                  if (arrived === count) {
                    const { user, system } = process.cpuUsage();
                    process.stdout.write(`delivered ${data.seq} ${Date.now()} ${user + system}\n`);
                  }
                  resolve();
                },
                onError: reject,
              },
            );
          }),
      ),
);
process.stdout.write("attached\n");
process.stdin.resume();
await new Promise((resolve) => process.stdin.once("end", resolve));
await Promise.all(clients.map((client) => client.close()));
