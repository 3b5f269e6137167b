// The append-to-announcement path alone, without HTTP, WebSockets or subscribers: `runs` runs each
// appending two events per step (as a node's NodeFinished and the next NodeStarted) every
// `stepMs`, through the EventLog with the real OutboxPoller, and a LISTENer on the run events
// channel in this process. Prints the latency from the append's ts to the NOTIFY's arrival
// (p50/p99) and the CPU per event of this process and of the database's Postgres backends.
// The same file run in two checkouts compares two designs on equal terms; alternate them.
//   npx tsx bench/tools/publish-cost.ts [runs=100] [steps=20] [stepMs=100] [rounds=2]
import { readFileSync } from "node:fs";
import { RUN_EVENTS_CHANNEL } from "../../src/db/channels";
import { openDatabase } from "../../src/db/client";
import { OutboxPoller } from "../../src/server/delivery/outbox-poller";
import { EventLog } from "../../src/server/events/event-log";
import { claimQueuedRuns } from "../../src/server/executor/leases";
import pino from "pino";
import { createBenchDatabase, poolBackendPids } from "../lib/database";
import { cpuSeconds } from "../lib/processes";
import { summarize } from "../lib/stats";

const [runs = 100, steps = 20, stepMs = 100, rounds = 2] = process.argv.slice(2).map(Number);
const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const selfCpu = () => {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const bench = await createBenchDatabase(adminUrl, "publishcost");
const POOL_SIZE = 10;
const database = openDatabase({ kind: "postgres", url: bench.url, poolMax: POOL_SIZE });
const log = pino({ level: "warn" });
const outbox = new OutboxPoller({ db: database.db, pollMs: 1_000, batchSize: 500, log });
try {
  const { db } = database;
  const eventLog = new EventLog(db, {
    outbox,
    metrics: { eventAppended() {}, runFinished() {}, runResumed() {} },
  });
  let latencies: number[] = [];
  const unlisten = await database.listen(RUN_EVENTS_CHANNEL, (payload) => {
    const now = Date.now();
    for (const event of JSON.parse(payload) as { ts: number }[]) latencies.push(now - event.ts);
  });
  outbox.start();
  for (let round = 0; round < rounds; round++) {
    const ids: string[] = [];
    for (let i = 0; i < runs; i++) {
      const outcome = await eventLog.start({ ownerId: "o", appPath: "/", stepDelayMs: stepMs });
      if ("created" in outcome) ids.push(outcome.created.id);
    }
    await claimQueuedRuns(db, { instanceId: "i", leaseMs: 600_000 }, runs, { slotsPerOwner: runs, held: new Map() });
    await outbox.drain();
    const pids = await poolBackendPids(db, POOL_SIZE);
    latencies = [];
    const [cpu0, pg0, t0] = [selfCpu(), cpuSeconds(pids), performance.now()];
    await Promise.all(
      ids.map(async (id, ix) => {
        // Starts spread over one step, so the load is steady rather than lock-stepped.
        await sleep((ix * stepMs) / runs);
        for (let seq = 1; seq <= steps * 2; seq++) {
          const event = { type: "NodeStarted", name: `Node${seq}`, source: "worker" } as const;
          const guard = { status: "running", leaseOwner: "i", attempt: 1, afterSeq: seq } as const;
          const appended = await eventLog.append(id, event, guard);
          if (appended?.seq !== seq + 1) throw new Error(`run ${id}: expected seq ${seq + 1}, got ${appended?.seq}`);
          if (seq % 2 === 0) await sleep(stepMs);
        }
      }),
    );
    const total = runs * steps * 2;
    const deadline = Date.now() + 10_000;
    while (latencies.length < total && Date.now() < deadline) await sleep(5);
    const ms = performance.now() - t0;
    const us = (seconds: number) => ((seconds * 1e6) / total).toFixed(0);
    const s = summarize(latencies);
    process.stdout.write(
      `${total} events in ${ms.toFixed(0)} ms, ${latencies.length} announced; append → NOTIFY p50 ${s.p50.toFixed(1)} ms, ` +
        `p99 ${s.p99.toFixed(1)} ms; CPU per event: process ${us(selfCpu() - cpu0)} µs, postgres ${us(cpuSeconds(pids) - pg0)} µs; ` +
        `load ${readFileSync("/proc/loadavg", "utf8").split(" ")[0]}\n`,
    );
  }
  await unlisten();
} finally {
  await outbox.stop();
  await database.close();
  await bench.drop();
}
