// The append path alone, without the server, the outbox or subscribers: `runs` runs each appending
// `events` events one after another (as executors do), all runs at once, through group commit
// (EventLog.append) and through one statement per append (appendEvent), in alternating rounds.
// Prints wall time and the CPU per event of this process and of its Postgres backends, which
// moves much less with the machine's load than a rate does.
//   npx tsx bench/tools/append-cost.ts [runs=128] [events=40] [rounds=2]
import { readFileSync } from "node:fs";
import { openDatabase } from "../../src/db/client";
import { appendEvent } from "../../src/server/events/append";
import { EventLog } from "../../src/server/events/event-log";
import { claimQueuedRuns } from "../../src/server/executor/leases";
import { createBenchDatabase, poolBackendPids } from "../lib/database";
import { cpuSeconds } from "../lib/processes";

const [runs = 128, events = 40, rounds = 2] = process.argv.slice(2).map(Number);
const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const selfCpu = () => {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const bench = await createBenchDatabase(adminUrl, "appendcost");
const POOL_SIZE = 10;
const database = openDatabase({ kind: "postgres", url: bench.url, poolMax: POOL_SIZE });
try {
  const { db } = database;
  const log = new EventLog(db, {
    outbox: { wake() {} },
    metrics: { eventAppended() {}, runFinished() {}, runResumed() {} },
  });

  for (let round = 0; round < rounds; round++) {
    for (const mode of ["group commit", "one statement each"] as const) {
      const ids: string[] = [];
      for (let i = 0; i < runs; i++) {
        const outcome = await log.start({ ownerId: "o", appPath: "/", stepDelayMs: 0 });
        if ("created" in outcome) ids.push(outcome.created.id);
      }
      await claimQueuedRuns(db, { instanceId: "i", leaseMs: 600_000 }, runs, { slotsPerOwner: runs, held: new Map() });
      const pids = await poolBackendPids(db, POOL_SIZE);
      const [cpu0, pg0, t0] = [selfCpu(), cpuSeconds(pids), performance.now()];
      await Promise.all(
        ids.map(async (id) => {
          for (let seq = 1; seq <= events; seq++) {
            const event = { type: "NodeStarted", name: `Node${seq}`, source: "worker" } as const;
            const guard = { status: "running", leaseOwner: "i", attempt: 1, afterSeq: seq } as const;
            const appended =
              mode === "group commit" ? await log.append(id, event, guard) : await appendEvent(db, id, event, guard);
            if (appended?.seq !== seq + 1) throw new Error(`run ${id}: expected seq ${seq + 1}, got ${appended?.seq}`);
          }
        }),
      );
      const ms = performance.now() - t0;
      const total = runs * events;
      const us = (seconds: number) => ((seconds * 1e6) / total).toFixed(0);
      process.stdout.write(
        `${mode.padEnd(18)} ${total} appends in ${ms.toFixed(0)} ms (${((total * 1000) / ms).toFixed(0)}/s);` +
          ` CPU per append: process ${us(selfCpu() - cpu0)} µs, postgres ${us(cpuSeconds(pids) - pg0)} µs\n`,
      );
    }
  }
} finally {
  await database.close();
  await bench.drop();
}
