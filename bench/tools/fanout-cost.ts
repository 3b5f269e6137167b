// What the server spends delivering one event to N caught-up subscribers: the server in this
// process, N subscribers (one WebSocket and tRPC client each) in a child process on one active run.
// Appends `events` events one at a time, each once the previous one reached every subscriber, and
// prints this process's CPU per delivery, the subscribers' process's, and the time from each append
// to its last delivery.
// CPU moves much less with the machine's load than latency does. The subscribers follow the run
// through the typed client's proxy (`typed`), its subscribeToRun (`stream`), or are plain sockets
// speaking tRPC's protocol by hand (`bare`, bare-subscribers-child.ts): what the client adds.
//   npx tsx bench/tools/fanout-cost.ts [subscribers=1000] [events=20] [typed|stream|bare]
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { createRunsClient } from "@live-runs/client";
import { TEST_OWNER } from "../../test/support/test-server";
import { startInProcessServer } from "../lib/in-process-server";

const subscribers = Number(process.argv[2] ?? 1000);
const events = Number(process.argv[3] ?? 20);
const mode = process.argv[4] ?? "typed";
const childScript = mode === "bare" ? "bare-subscribers-child.ts" : "idle-subscribers-child.ts";

const { api, bench } = await startInProcessServer("fanoutcost");
try {
  const token = await api.tokenFor(TEST_OWNER);
  const client = createRunsClient({ url: api.server.url, token });
  const run = await client.trpc.run.start.mutate({ stepDelayMs: 60_000 });
  await client.close();
  const child = spawn(process.execPath, ["--import", "tsx", `bench/tools/${childScript}`], {
    stdio: ["pipe", "pipe", "inherit"],
    env: {
      ...process.env,
      URL: api.server.url,
      TOKEN: token,
      RUN_ID: run.id,
      SUBSCRIBERS: String(subscribers),
      FOLLOW: mode === "stream" ? "stream" : "typed",
    },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const line = await lines.next();
    if (line.done) throw new Error("the subscribers' process ended");
    return line.value;
  };
  while ((await nextLine()) !== "attached");
  const { eventLog } = api.server.services;
  const latencies: number[] = [];
  const subscriberCpuUs: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < events; i += 1) {
    const appendedAt = Date.now();
    const event = await eventLog.append(
      run.id,
      { type: "DebugTrace", source: "worker", fn: "bench.tick" },
      { status: "running" },
    );
    if (!event) throw new Error("append refused");
    let line: string;
    while (!(line = await nextLine()).startsWith(`delivered ${event.seq} `));
    const [, , deliveredAt, cpuUs] = line.split(" ");
    latencies.push(Number(deliveredAt) - appendedAt);
    subscriberCpuUs.push(Number(cpuUs));
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  latencies.sort((a, b) => a - b);
  const perDelivery = ((cpuMs * 1000) / (events * subscribers)).toFixed(1);
  const median = latencies[latencies.length >> 1];
  // From the first event's last delivery to the last one's: the deliveries of the other events.
  const subscribersPerDelivery = (
    (subscriberCpuUs.at(-1)! - subscriberCpuUs[0]!) /
    ((events - 1) * subscribers)
  ).toFixed(1);
  process.stdout.write(
    `${subscribers} subscribers, ${events} events: server CPU ${perDelivery} µs per delivery (${(cpuMs / events).toFixed(1)} ms per event);` +
      ` subscribers' CPU ${subscribersPerDelivery} µs per delivery; append to last delivery: median ${median} ms, max ${latencies.at(-1)} ms\n`,
  );
  child.stdin.end();
  await new Promise((resolve) => child.once("exit", resolve));
} finally {
  await api.close();
  await bench.drop();
}
