// Soak: several server instances on one Postgres, runs started and watched across them, and an
// instance killed (SIGKILL, or SIGTERM for rolling restarts) every few seconds and replaced.
// Subscribers on a killed instance fail over to a survivor from the last seq they hold, as behind
// a load balancer. The runs the victim was executing are resumed elsewhere. Prints runs killed /
// resumed / succeeded / lost and events lost / duplicated; exits 1 unless nothing was lost.
//   npm run soak -- [--seconds 180] [--instances 3] [--kill-every 15] [--signal SIGKILL|SIGTERM]
// Needs Postgres: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { parseArgs } from "node:util";
import { and, eq } from "drizzle-orm";
import type { RunEvent } from "@live-runs/client";
import { runEvents, runs } from "../src/db/schema";
import { FAST_LEASES, spawnTestServer, type TestServerProcess } from "../test/support/server-process";
import { createTestDatabase } from "../test/support/test-database";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "180" },
    instances: { type: "string", default: "3" },
    "kill-every": { type: "string", default: "15" },
    signal: { type: "string", default: "SIGKILL" },
  },
});
const durationMs = Number(args.seconds) * 1000;
const killEveryMs = Number(args["kill-every"]) * 1000;
process.env.TEST_DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/postgres";

interface Watch {
  runId: string;
  received: RunEvent[];
  server: TestServerProcess;
  done: boolean;
  unsubscribe: () => void;
}

const log = (message: string) => process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const database = await createTestDatabase("postgres");
const inspect = database.open();
const live: TestServerProcess[] = [];
const spawn = async () => {
  // One owner starts every run, far faster than the per-owner limits allow a person to.
  const server = await spawnTestServer(database.url!, {
    ...FAST_LEASES,
    RUN_STARTS_PER_MINUTE: "1000000",
    ACTIVE_RUNS_PER_OWNER: "1000000",
  });
  live.push(server);
  return server;
};
await Promise.all(Array.from({ length: Number(args.instances) }, spawn));
const pick = () => live[Math.floor(Math.random() * live.length)]!;

const watches: Watch[] = [];
function watch(runId: string, server: TestServerProcess, fromSeq: number, received: RunEvent[] = []): Watch {
  const entry: Watch = { runId, received, server, done: false, unsubscribe: () => {} };
  const subscription = server.client().trpc.run.events.subscribe(
    { runId, fromSeq },
    {
      onData: ({ data }) => entry.received.push(data),
      // Closing a dead instance's client also completes its subscriptions: only RunFinished is an end.
      onComplete: () => (entry.done = entry.received.at(-1)?.type === "RunFinished"),
      onError: () => {},
    },
  );
  entry.unsubscribe = () => subscription.unsubscribe();
  return entry;
}

const graceful = args.signal === "SIGTERM";
let killing: Promise<void> | null = null;

/** Kills (or, with SIGTERM, stops after starting its replacement) one instance and fails its subscribers over. */
async function replaceOne(): Promise<void> {
  const victim = live.splice(Math.floor(Math.random() * live.length), 1)[0]!;
  if (graceful) await spawn(); // a rolling restart brings the new instance up first
  kills.push({ at: Date.now(), instanceId: victim.instanceId });
  const executing = await inspect.db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.leaseOwner, victim.instanceId), eq(runs.status, "running")));
  runsKilled += executing.length;
  await (graceful ? victim.stop() : victim.crash());
  // Fail over every subscriber of the dead instance, from the last seq it holds.
  for (const [i, entry] of watches.entries()) {
    if (entry.server !== victim || entry.done) continue;
    entry.unsubscribe();
    watches[i] = watch(entry.runId, pick(), entry.received.at(-1)?.seq ?? 0, entry.received);
  }
  if (!graceful) await spawn();
  log(`${graceful ? "stopped" : "killed"} ${victim.instanceId.slice(0, 8)}; ${watches.length} runs so far`);
}
const kills: { at: number; instanceId: string }[] = [];
let runsKilled = 0;
let startErrors = 0;
const startedAt = Date.now();
let nextKill = startedAt + killEveryMs;
log(`${live.length} instances, ${args.seconds} s, a kill every ${args["kill-every"]} s`);
while (Date.now() - startedAt < durationMs) {
  const server = pick();
  try {
    const run = await server.client().trpc.run.start.mutate({ stepDelayMs: 100 + Math.floor(Math.random() * 500) });
    watches.push(watch(run.id, pick(), 0));
  } catch {
    startErrors += 1; // the instance died under us: the caller retries elsewhere, as a client would
  }
  if (Date.now() >= nextKill && live.length > 1 && !killing) {
    nextKill += killEveryMs;
    // In the background: the load goes on while an instance is replaced, as it would in production.
    killing = replaceOne().finally(() => (killing = null));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}

await killing;
log("load stopped; waiting for every stream to complete");
const deadline = Date.now() + 60_000;
while (watches.some((w) => !w.done) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));

let lost = 0;
let duplicates = 0;
let incomplete = 0;
let resumed = 0;
let succeeded = 0;
let executorLost = 0;
let lastRecovery = 0;
for (const entry of watches) {
  const stored = await inspect.db
    .select({ seq: runEvents.seq, type: runEvents.type, name: runEvents.name })
    .from(runEvents)
    .where(eq(runEvents.runId, entry.runId));
  const seen = new Set(entry.received.map((e) => e.seq));
  // Delivered twice, or a node that finished twice in the log (a resume that repeated finished work).
  const finishedNodes = stored.filter((row) => row.type === "NodeFinished").map((row) => row.name);
  duplicates += entry.received.length - seen.size + finishedNodes.length - new Set(finishedNodes).size;
  lost += stored.filter((row) => !seen.has(row.seq)).length;
  const last = entry.received.at(-1);
  if (!entry.done || last?.type !== "RunFinished") incomplete += 1;
  if (last?.status === "succeeded") succeeded += 1;
  const resumes = entry.received.filter((e) => e.type === "RunResumed");
  if (resumes.length > 0) {
    resumed += 1;
    const kill = kills.filter((k) => k.at <= resumes[0]!.ts).at(-1);
    if (kill) lastRecovery = Math.max(lastRecovery, resumes[0]!.ts - kill.at);
  }
  if (last?.reason === "executor_lost") executorLost += 1;
}
const summary = {
  seconds: Math.round((Date.now() - startedAt) / 1000),
  signal: args.signal,
  runs: watches.length,
  kills: kills.length,
  runsKilled,
  runsResumed: resumed,
  runsSucceeded: succeeded,
  runsEndedExecutorLost: executorLost,
  runsNotFinished: incomplete,
  eventsDelivered: watches.reduce((n, w) => n + w.received.length, 0),
  eventsLost: lost,
  duplicates,
  startErrorsOnDyingInstances: startErrors,
  worstKillToResumeMs: lastRecovery,
};
log(JSON.stringify(summary));
for (const entry of watches) entry.unsubscribe();
await Promise.all(live.map((server) => server.stop()));
await inspect.close();
await database.drop();
process.exit(lost === 0 && duplicates === 0 && incomplete === 0 ? 0 : 1);
