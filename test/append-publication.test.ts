import { inArray } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_EVENTS_CHANNEL, RUN_QUEUED_CHANNEL } from "../src/db/channels";
import type { Database } from "../src/db/client";
import { applyMigrations } from "../src/db/migrate";
import { runOutbox } from "../src/db/schema";
import { appendBatch } from "../src/server/events/append-batch";
import { EventLog } from "../src/server/events/event-log";
import { readEventsAfter } from "../src/server/events/read";
import type { NewEvent, RunEvent } from "../src/server/events/types";
import { claimQueuedRuns } from "../src/server/executor/leases";
import { awaitCondition } from "./support/await";
import { startQueuedRun } from "./support/event-log-database";
import { createTestDatabase, type TestDatabase } from "./support/test-database";

// An append publishes its own events: the statement that appends also writes the outbox row
// published and NOTIFYs the event, so subscribers hear of it at its commit, with no poller. These
// tests listen on the channel with no poller running at all.
const INSTANCE = "instance-a";
const lease = (afterSeq: number) => ({ status: "running", leaseOwner: INSTANCE, attempt: 1, afterSeq }) as const;
const nodeStarted = (name: string, data?: Record<string, unknown>): NewEvent => ({
  type: "NodeStarted",
  name,
  source: "worker",
  ...(data ? { data } : {}),
});

let database: TestDatabase;
let handle: Database;
let wakes = 0;
const logOf = (publishesOnAppend: boolean) =>
  new EventLog(handle.db, {
    outbox: { publishesOnAppend, wake: () => void (wakes += 1) },
    metrics: { eventAppended() {}, runFinished() {}, runResumed() {} },
  });
let log: EventLog;
const payloads: string[] = [];
let unlisten: () => Promise<void>;

beforeAll(async () => {
  database = await createTestDatabase("postgres");
  handle = database.open();
  await applyMigrations(handle);
  log = logOf(true);
  unlisten = await handle.listen(RUN_EVENTS_CHANNEL, (payload) => payloads.push(payload));
});
afterAll(async () => {
  await unlisten();
  await handle.close();
  await database.drop();
});

/** `count` runs, running under INSTANCE's lease at attempt 1, each with its RunStarted (seq 1). */
async function runningRuns(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push((await startQueuedRun(log, { ownerId: "owner", appPath: "/", stepDelayMs: 0 })).id);
  await claimQueuedRuns(handle.db, { instanceId: INSTANCE, leaseMs: 60_000 }, count, {
    slotsPerOwner: count,
    held: new Map(),
  });
  return ids;
}

/** Every event announced so far, by run and seq. */
function announced(): Map<string, RunEvent> {
  const events = new Map<string, RunEvent>();
  for (const payload of payloads)
    for (const event of JSON.parse(payload) as RunEvent[]) events.set(`${event.runId}/${event.seq}`, event);
  return events;
}

async function awaitAnnounced(keys: string[]): Promise<Map<string, RunEvent>> {
  await awaitCondition(
    () => keys.every((key) => announced().has(key)),
    `announcements of ${keys.length} events`,
    5_000,
    () => `missing ${keys.filter((key) => !announced().has(key)).join(", ")}`,
  );
  return announced();
}

const outboxOf = (runIds: string[]) =>
  handle.db
    .select({ runId: runOutbox.runId, seq: runOutbox.seq, publishedAt: runOutbox.publishedAt })
    .from(runOutbox)
    .where(inArray(runOutbox.runId, runIds));

describe("an append publishes its own events", () => {
  it("a start announces nothing at its commit; the run's first append announces its RunStarted just ahead of its own event", async () => {
    wakes = 0;
    payloads.length = 0;
    const published: number[] = [];
    const counted = new EventLog(handle.db, {
      outbox: { wake: () => void (wakes += 1) },
      metrics: {
        eventAppended() {},
        runFinished() {},
        runResumed() {},
        eventsPublished: (ts) => published.push(...ts),
      },
    });
    const { id } = await startQueuedRun(counted, { ownerId: "owner", appPath: "/", stepDelayMs: 0 });
    await claimQueuedRuns(handle.db, { instanceId: INSTANCE, leaseMs: 60_000 }, 1, {
      slotsPerOwner: 1,
      held: new Map(),
    });
    expect(wakes).toBe(0);
    expect((await outboxOf([id])).map((row) => [row.seq, row.publishedAt])).toEqual([[1, null]]);
    expect(published).toEqual([]);

    const second = await counted.append(id, nodeStarted("First"), lease(1));
    const events = await awaitAnnounced([`${id}/1`, `${id}/2`]);
    // One payload, RunStarted first: a reader of the announcements gets the run's events in seq order.
    expect(payloads.map((payload) => (JSON.parse(payload) as RunEvent[]).map((event) => event.seq))).toEqual([[1, 2]]);
    // The announced events are the stored ones, as a reader of the table gets them.
    const stored = await readEventsAfter(handle.db, id, 0, 2);
    expect([events.get(`${id}/1`), events.get(`${id}/2`)]).toEqual(stored);
    expect(stored[0]).toMatchObject({ type: "RunStarted", seq: 1, source: "api" });
    expect(stored[1]).toEqual(second);
    expect((await outboxOf([id])).every((row) => row.publishedAt instanceof Date)).toBe(true);
    expect(published).toEqual([stored[0]!.ts, second!.ts]);
    expect(wakes).toBe(0);

    // Later appends announce only their own event.
    payloads.length = 0;
    await counted.append(id, nodeStarted("Second"), lease(2));
    await awaitAnnounced([`${id}/3`]);
    expect(payloads.map((payload) => (JSON.parse(payload) as RunEvent[]).map((event) => event.seq))).toEqual([[3]]);
  });

  it("a RunStarted the outbox poller published first is not announced again by the run's first append", async () => {
    const [id] = await runningRuns(1);
    // What the poller does with an unpublished row (here by hand: no poller runs in these tests).
    await handle.db
      .update(runOutbox)
      .set({ publishedAt: new Date() })
      .where(inArray(runOutbox.runId, [id!]));
    payloads.length = 0;
    await log.append(id!, nodeStarted("After the poller"), lease(1));
    await awaitAnnounced([`${id}/2`]);
    expect(announced().has(`${id}/1`)).toBe(false);
  });

  it("a start wakes every instance's executor after its commit, by a NOTIFY of its own", async () => {
    const queued: string[] = [];
    const stopListening = await handle.listen(RUN_QUEUED_CHANNEL, (payload) => queued.push(payload));
    try {
      const { id } = await startQueuedRun(log, { ownerId: "owner", appPath: "/", stepDelayMs: 0 });
      await awaitCondition(() => queued.includes(id), "the queued run's NOTIFY");
      // Starts less than 20 ms apart share one NOTIFY, naming one of them.
      queued.length = 0;
      const [first, second] = await Promise.all([
        log.start({ ownerId: "owner", appPath: "/", stepDelayMs: 0 }),
        log.start({ ownerId: "owner", appPath: "/", stepDelayMs: 0 }),
      ]);
      const ids = [first, second].map((outcome) => ("created" in outcome ? outcome.created.id : null));
      await awaitCondition(() => queued.length > 0, "a NOTIFY for the two starts");
      expect(ids).toContain(queued[0]);
    } finally {
      await stopListening();
      await claimQueuedRuns(handle.db, { instanceId: INSTANCE, leaseMs: 60_000 }, 10, {
        slotsPerOwner: 10,
        held: new Map(),
      });
    }
  });

  it("when the poll alone publishes (the seed design), a start leaves its RunStarted to the poller, which it wakes", async () => {
    wakes = 0;
    payloads.length = 0;
    const { id } = await startQueuedRun(logOf(false), { ownerId: "owner", appPath: "/", stepDelayMs: 0 });
    // Claimed here, so that the later tests' claims take their own runs.
    await claimQueuedRuns(handle.db, { instanceId: INSTANCE, leaseMs: 60_000 }, 1, {
      slotsPerOwner: 1,
      held: new Map(),
    });
    expect(wakes).toBe(1);
    expect((await outboxOf([id])).map((row) => [row.seq, row.publishedAt])).toEqual([[1, null]]);
  });

  it("a single append is announced at its commit, its outbox row published, the poller not woken", async () => {
    const [id] = await runningRuns(1);
    wakes = 0;
    const stored = await log.append(id!, nodeStarted("Alone", { a: null, b: [1] }), lease(1));
    expect(stored).toMatchObject({ runId: id, seq: 2 });
    const events = await awaitAnnounced([`${id}/2`]);
    expect(events.get(`${id}/2`)).toEqual(stored);
    const rows = await outboxOf([id!]);
    expect(rows.find((row) => row.seq === 2)?.publishedAt).toBeInstanceOf(Date);
    expect(wakes).toBe(0);
  });

  it("a batch announces every run's event in payloads under the NOTIFY cap, refused appends not at all", async () => {
    const ids = await runningRuns(12);
    payloads.length = 0;
    // About 1 KB each: the 12 events need several payloads.
    const big = { text: "x".repeat(1_000) };
    const results = await appendBatch(handle.db, [
      ...ids.map((runId) => ({ runId, event: nodeStarted("Big", big), guard: lease(1), ts: 5 })),
    ]);
    expect(results.every((event) => event?.seq === 2)).toBe(true);
    const refused = await appendBatch(handle.db, [
      { runId: ids[0]!, event: nodeStarted("Late"), guard: lease(1), ts: 6 },
    ]);
    expect(refused).toEqual([null]);
    const events = await awaitAnnounced(ids.map((id) => `${id}/2`));
    for (const event of results) expect(events.get(`${event!.runId}/2`)).toEqual(event);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8_000);
    expect([...events.values()].some((event) => event.name === "Late")).toBe(false);
    const rows = await outboxOf(ids);
    expect(rows.filter((row) => row.seq === 2 && row.publishedAt !== null)).toHaveLength(12);
  });

  it("when the poll alone publishes (the seed design), appends leave their rows unpublished and announce nothing", async () => {
    const [id] = await runningRuns(1);
    const seedLog = logOf(false);
    payloads.length = 0;
    wakes = 0;
    expect(await seedLog.append(id!, nodeStarted("Quiet"), lease(1))).toMatchObject({ seq: 2 });
    const rows = await outboxOf([id!]);
    expect(rows.find((row) => row.seq === 2)?.publishedAt).toBeNull();
    expect(wakes).toBe(1);
    // A later announced append of another run arrives, and this one is still not among what was heard.
    const [other] = await runningRuns(1);
    await log.append(other!, nodeStarted("Heard"), lease(1));
    await awaitAnnounced([`${other}/2`]);
    expect(announced().has(`${id}/2`)).toBe(false);
  });
});

describe("group commit under load", () => {
  it("appends asked for while two batches commit wait and go together in the next batch", async () => {
    const [blockedA, blockedB, ...rest] = await runningRuns(8);
    const holder = postgres(database.url!, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    // Another transaction holds the rows of two runs, so each of their batches stays in flight.
    const holding = holder.begin(async (tx) => {
      await tx`select id from runs where id in ${tx([blockedA!, blockedB!])} for update`;
      locked();
      await released;
    });
    try {
      await isLocked;
      const before = log.groupCommit.batches;
      const first = log.append(blockedA!, nodeStarted("A"), lease(1));
      await new Promise((resolve) => setImmediate(resolve));
      const second = log.append(blockedB!, nodeStarted("B"), lease(1));
      await new Promise((resolve) => setImmediate(resolve));
      expect(log.groupCommit.batches - before).toBe(2);
      const others = rest.map((id) => log.append(id, nodeStarted("C"), lease(1)));
      // Turns of the event loop pass: the waiting appends are not sent while both batches are in flight.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(log.groupCommit.batches - before).toBe(2);
      release();
      await holding;
      const appended = await Promise.all([first, second, ...others]);
      expect(appended.map((event) => event?.seq)).toEqual(appended.map(() => 2));
      expect(log.groupCommit.batches - before).toBe(3);
    } finally {
      release();
      await holding.catch(() => {});
      await holder.end();
    }
  });
});
