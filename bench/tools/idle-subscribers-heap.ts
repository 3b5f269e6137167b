// What an idle run.events subscriber costs the server: the server in this process, N subscribers
// (one WebSocket and one tRPC client each) in a child process on one active run. Prints the heap
// used after a full GC and the RSS, before any subscriber and once all are attached, per subscriber;
// with a directory argument, writes a heap snapshot of each state there (compare them in DevTools).
//   node --expose-gc --import tsx bench/tools/idle-subscribers-heap.ts [subscribers=1000] [snapshot-dir]
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";
import { setTimeout as sleep } from "node:timers/promises";
import { createRunsClient } from "@live-runs/client";
import { TEST_OWNER } from "../../test/support/test-server";
import { startInProcessServer } from "../lib/in-process-server";

const subscribers = Number(process.argv[2] ?? 1000);
const snapshotDir = process.argv[3];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const { api, bench } = await startInProcessServer("idleheap");
try {
  const token = await api.tokenFor(TEST_OWNER);
  const client = createRunsClient({ url: api.server.url, token });
  const run = await client.trpc.run.start.mutate({ stepDelayMs: 60_000 });
  await client.close();
  const measure = async (label: string) => {
    await sleep(500);
    const spaces = getHeapSpaceStatistics()
      .filter((space) => space.space_size > 2 ** 20)
      .map((space) => `${space.space_name} ${(space.space_size / 2 ** 20).toFixed(1)}`);
    const { rss, heapTotal, external } = process.memoryUsage();
    process.stdout.write(
      `${label}, before GC: RSS ${(rss / 2 ** 20).toFixed(1)} MB, heap ${(heapTotal / 2 ** 20).toFixed(1)} MB (${spaces.join(", ")}), external ${(external / 2 ** 20).toFixed(1)} MB` +
        "\n",
    );
    for (let i = 0; i < 3; i += 1) gc();
    if (snapshotDir) writeHeapSnapshot(`${snapshotDir}/${label}.heapsnapshot`);
    return { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
  };
  const before = await measure("before");
  const child = spawn(process.execPath, ["--import", "tsx", "bench/tools/idle-subscribers-child.ts"], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, URL: api.server.url, TOKEN: token, RUN_ID: run.id, SUBSCRIBERS: String(subscribers) },
  });
  const lines = createInterface({ input: child.stdout });
  let attachedLine = false;
  for await (const line of lines) if ((attachedLine = line === "attached")) break;
  if (!attachedLine) throw new Error("the subscribers' process ended before they attached");
  const attached = await measure("attached");
  const perSubscriber = (key: "heap" | "rss") => ((attached[key] - before[key]) / subscribers / 1024).toFixed(1);
  process.stdout.write(
    `${subscribers} idle subscribers: heap after GC +${perSubscriber("heap")} KB each, RSS +${perSubscriber("rss")} KB each` +
      ` (heap ${(before.heap / 2 ** 20).toFixed(1)} → ${(attached.heap / 2 ** 20).toFixed(1)} MB,` +
      ` RSS ${(before.rss / 2 ** 20).toFixed(1)} → ${(attached.rss / 2 ** 20).toFixed(1)} MB)` +
      "\n",
  );
  child.stdin.end();
  await new Promise((resolve) => child.once("exit", resolve));
} finally {
  await api.close();
  await bench.drop();
}
