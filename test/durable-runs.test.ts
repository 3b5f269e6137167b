import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client";
import { runs } from "../src/db/schema";
import { awaitCondition, awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { FAST_LEASES, spawnTestServer, type TestServerProcess } from "./support/server-process";
import {
  awaitLeaseOwner,
  awaitRunsEnded,
  expectFaithfulTimeline,
  resumesOf,
  storedEvents,
} from "./support/stored-runs";
import { createTestDatabase, type TestDatabase } from "./support/test-database";

// Several server processes need one shared Postgres; PGlite is single-process.
const hasPostgres = Boolean(process.env.TEST_DATABASE_URL);

describe.runIf(hasPostgres)("runs survive a crash or a deploy", () => {
  let database: TestDatabase;
  let inspect: Database;
  const spawned: TestServerProcess[] = [];
  const spawn = async (env: Record<string, string> = {}) => {
    const server = await spawnTestServer(database.url!, { ...FAST_LEASES, EXECUTOR_POLL_MS: "200", ...env });
    spawned.push(server);
    return server;
  };
  /** Two instances; `executing` is the one that claimed the run. */
  const startOnPair = async (stepDelayMs: number, env: Record<string, string> = {}) => {
    const [a, b] = await Promise.all([spawn(env), spawn(env)]);
    const run = await a.client().trpc.run.start.mutate({ stepDelayMs });
    const owner = await awaitLeaseOwner(inspect.db, run.id);
    const [executing, other] = owner === a.instanceId ? [a, b] : [b, a];
    return { run, executing, other };
  };
  const storedRun = async (runId: string) => (await inspect.db.select().from(runs).where(eq(runs.id, runId)))[0]!;

  beforeAll(async () => {
    database = await createTestDatabase();
    inspect = database.open();
  });
  // Each test has its own instances: one left running would claim the next test's runs.
  afterEach(async () => {
    await Promise.all(spawned.splice(0).map((server) => server.stop()));
  });
  afterAll(async () => {
    await inspect.close();
    await database.drop();
  });

  it("kill -9 of the executing instance: the survivor resumes the run, which succeeds with one RunResumed", async () => {
    const { run, executing, other } = await startOnPair(400);
    const stream = subscribeEvents(other.client().trpc, { runId: run.id });
    await awaitEvents(stream, (events) => events.length >= 4, "the run to get going");

    await executing.crash();
    const events = await awaitStreamCompletion(stream, 20_000);

    expectFaithfulTimeline(events);
    expect(resumesOf(events)).toEqual([{ attempt: 2, reason: "executor_lost" }]);
    // The node that was running when the instance died ran again, after the RunResumed.
    const resumedAt = events.findIndex((e) => e.type === "RunResumed");
    expect(events[resumedAt + 1]).toMatchObject({ type: "NodeStarted" });
    expect(await storedEvents(inspect.db, run.id)).toEqual(events);
    expect(await storedRun(run.id)).toMatchObject({ status: "succeeded", attempt: 2, executorLosses: 1 });
  });

  it("an executor paused past its lease never appends again once another instance took the run", async () => {
    const { run, executing: paused, other } = await startOnPair(1_000);
    const stream = subscribeEvents(other.client().trpc, { runId: run.id });
    await awaitEvents(stream, (events) => events.some((e) => e.type === "NodeStarted"), "the first node to start");

    process.kill(paused.pid, "SIGSTOP");
    try {
      await awaitEvents(stream, (events) => events.some((e) => e.type === "RunResumed"), "the run to be resumed");
    } finally {
      process.kill(paused.pid, "SIGCONT");
    }
    const events = await awaitStreamCompletion(stream, 30_000);

    // The paused executor woke with its node's timer overdue: its append was refused, or its
    // heartbeat found the lease gone first. Either way no event of its landed after the takeover.
    await awaitCondition(
      () =>
        paused.logs.some((line) => line.includes(run.id) && /no longer this execution's|lease not renewed/.test(line)),
      "the paused executor to notice it lost the run",
    );
    expectFaithfulTimeline(events);
    expect(resumesOf(events)).toEqual([{ attempt: 2, reason: "executor_lost" }]);
    expect(await storedEvents(inspect.db, run.id)).toEqual(events);
  });

  it("after MAX_RUN_ATTEMPTS lost executions the run fails executor_lost instead of resuming", async () => {
    const { run, executing, other } = await startOnPair(400, { MAX_RUN_ATTEMPTS: "1" });
    const stream = subscribeEvents(other.client().trpc, { runId: run.id });
    await awaitEvents(stream, (events) => events.length >= 3, "the run to get going");

    await executing.crash();
    const events = await awaitStreamCompletion(stream, 20_000);

    expectFaithfulTimeline(events, "failed");
    expect(resumesOf(events)).toEqual([]);
    expect(events.at(-1)).toMatchObject({ reason: "executor_lost" });
    expect(await storedRun(run.id)).toMatchObject({ status: "failed", attempt: 2, executorLosses: 1 });
  });

  it("a graceful stop keeps its runs: one finishes in the grace time, a cancel sent elsewhere meanwhile wins", async () => {
    // Grace longer than the lease: peers must not take runs from an instance that is draining.
    const a = await spawn({ SHUTDOWN_GRACE_MS: "20000" });
    const trpc = a.client().trpc;
    const finishing = await trpc.run.start.mutate({ stepDelayMs: 500 });
    const cancelled = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
    for (const run of [finishing, cancelled]) await awaitLeaseOwner(inspect.db, run.id);
    const b = await spawn();
    const streams = [finishing, cancelled].map((run) => subscribeEvents(b.client().trpc, { runId: run.id }));

    const stopped = a.stop(30_000);
    await awaitCondition(
      () => a.logs.some((line) => line.includes('"shutting down"')),
      "the instance to start draining",
    );
    // Longer than a lease: a peer that took the draining runs would show here.
    await awaitEvents(streams[0]!, (events) => events.filter((e) => e.type === "NodeFinished").length >= 4, "progress");
    const answer = await b.client().trpc.run.cancel.mutate({ runId: cancelled.id });
    const [done, stopped_] = await Promise.all([
      Promise.all(streams.map((s) => awaitStreamCompletion(s, 20_000))),
      stopped,
    ]);

    expect(stopped_).toBe(0);
    expect(answer.status).toBe("cancelled");
    expectFaithfulTimeline(done[0]!);
    expect(done[1]!.at(-1)).toMatchObject({ type: "RunFinished", status: "cancelled", reason: "user_cancelled" });
    for (const events of done) expect(resumesOf(events)).toEqual([]);
  });

  it("a rolling SIGTERM restart of 3 instances with 100 runs in flight: all 100 succeed, none lost or repeated", async () => {
    const env = {
      SHUTDOWN_GRACE_MS: "200",
      // Hand-backs do not wait for leases: long ones keep a load spike on this machine from
      // passing for a crash (a takeover would show as executor_lost).
      LEASE_MS: "10000",
      HEARTBEAT_MS: "1000",
      // Room for every run at once, so all 100 are in flight through the whole restart.
      EXECUTOR_CONCURRENCY: "50",
      EXECUTOR_SLOTS_PER_OWNER: "50",
      ACTIVE_RUNS_PER_OWNER: "1000",
      RUN_STARTS_PER_MINUTE: "1000",
    };
    const fleet = await Promise.all([spawn(env), spawn(env), spawn(env)]);
    const started = await Promise.all(
      Array.from({ length: 100 }, (_, i) => fleet[i % 3]!.client().trpc.run.start.mutate({ stepDelayMs: 3_000 })),
    );
    const ids = started.map((run) => run.id);

    for (let i = 0; i < fleet.length; i++) {
      const replacement = await spawn(env);
      expect(await fleet[i]!.stop()).toBe(0);
      fleet[i] = replacement;
    }
    await awaitRunsEnded(inspect.db, ids, 60_000);

    const timelines = await Promise.all(ids.map((id) => storedEvents(inspect.db, id)));
    for (const events of timelines) expectFaithfulTimeline(events);
    const resumes = timelines.flatMap(resumesOf);
    expect(resumes.length).toBeGreaterThan(0);
    expect(resumes.every((resume) => resume.reason === "shutdown")).toBe(true);
  }, 120_000);
});
