// What each backfill reader costs the server per event: the server in this process (so its CPU can
// be profiled with `node --cpu-prof`), the readers in bench worker processes, a finished run of
// `events` events read from seq 0 `rounds` times by each reader in turn. Prints, per read, the
// rate, this process's CPU per event, its Postgres backends' (those open when the read starts: from
// the second round on, every one the reads use) and the reader process's own.
//   npx tsx bench/tools/backfill-cost.ts [events=100000] [rounds=3] [readers=events,eventsPage]
// BACKFILL_PROFILE=<dir>: a CPU profile of this process during each read, <dir>/<reader>-<round>.cpuprofile
// (npx tsx bench/tools/profile-summary.ts <file>).
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { TEST_OWNER } from "../../test/support/test-server";
import { startInProcessServer } from "../lib/in-process-server";
import { backendPids, insertLongRun } from "../lib/database";
import { cpuSeconds, startWorker } from "../lib/processes";
import type { BackfillConfig, BackfillResult } from "../lib/protocol";

const events = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const readers = (process.argv[4] ?? "events,eventsPage").split(",") as BackfillConfig["via"][];
const profileDir = process.env.BACKFILL_PROFILE;

const { api, bench } = await startInProcessServer("backfillcost");
try {
  const token = await api.tokenFor(TEST_OWNER);
  const runId = await insertLongRun(bench.sql, TEST_OWNER, events);
  await bench.sql`vacuum analyze run_events`;
  for (let round = 1; round <= rounds; round += 1) {
    for (const via of readers) {
      const config: BackfillConfig = { url: api.server.url, token, runId, expected: events, via };
      const profiler = profileDir ? await startProfiler() : null;
      const backends = await backendPids(bench.sql);
      const pgBefore = cpuSeconds(backends);
      const cpuBefore = process.cpuUsage();
      const result = await startWorker<BackfillResult>("backfill-client", config).result;
      const cpu = process.cpuUsage(cpuBefore);
      const pgUs = ((cpuSeconds(backends) - pgBefore) * 1e6) / events;
      if (profiler && profileDir) await profiler.stop(`${profileDir}/${via}-${round}.cpuprofile`);
      if (result.errors.length > 0) throw new Error(`${via}: ${result.errors.join("; ")}`);
      const serverUs = (cpu.user + cpu.system) / result.events;
      const readerUs = result.cpuUs === undefined ? "?" : (result.cpuUs / result.events).toFixed(2);
      process.stdout.write(
        `round ${round} run.${via}: ${((result.events * 1000) / result.ms).toFixed(0)} events/s (${result.ms.toFixed(0)} ms);` +
          ` server CPU ${serverUs.toFixed(2)} µs/event (whole worker lifetime), Postgres ${pgUs.toFixed(2)}, reader CPU ${readerUs} µs/event (timed read)\n`,
      );
    }
  }
} finally {
  await api.close();
  await bench.drop();
}

async function startProfiler() {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return {
    async stop(file: string) {
      const { profile } = await session.post("Profiler.stop");
      mkdirSync(profileDir!, { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
