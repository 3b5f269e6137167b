// Run starts alone: `writers` loops each starting runs through EventLog.start (the start_run
// statement) for `seconds`, on a fresh bench database with no executor; prints starts/s and the
// CPU per start of this process and of its Postgres backends.
//   npx tsx bench/tools/start-cost.ts [writers=64] [seconds=5] [rounds=3]
import { readFileSync } from "node:fs";
import { openDatabase } from "../../src/db/client";
import { EventLog } from "../../src/server/events/event-log";
import { createBenchDatabase, poolBackendPids } from "../lib/database";
import { cpuSeconds } from "../lib/processes";

const [writers = 64, seconds = 5, rounds = 3] = process.argv.slice(2).map(Number);
const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const selfCpu = () => {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const bench = await createBenchDatabase(adminUrl, "startcost");
const database = openDatabase({ kind: "postgres", url: bench.url, poolMax: 10 });
try {
  const log = new EventLog(database.db, {
    outbox: { wake() {} },
    metrics: { eventAppended() {}, runFinished() {}, runResumed() {} },
  });
  await log.start({ ownerId: "warm", appPath: "/", stepDelayMs: 0 });
  const pids = await poolBackendPids(database.db, 10);
  for (let round = 1; round <= rounds; round++) {
    let started = 0;
    const until = Date.now() + seconds * 1000;
    const [selfBefore, pgBefore] = [selfCpu(), cpuSeconds(pids)];
    await Promise.all(
      Array.from({ length: writers }, async (_, i) => {
        while (Date.now() < until) {
          await log.start({ ownerId: `owner-${i}`, appPath: "/", stepDelayMs: 0 });
          started += 1;
        }
      }),
    );
    const [self, pg] = [selfCpu() - selfBefore, cpuSeconds(pids) - pgBefore];
    const perStart = (s: number) => ((s * 1e6) / started).toFixed(0);
    process.stdout.write(
      `round ${round}: ${(started / seconds).toFixed(0)} starts/s; CPU per start: this process ${perStart(self)} µs, Postgres ${perStart(pg)} µs\n`,
    );
  }
} finally {
  await database.close();
  await bench.drop();
}
