// What many viewers of one run cost the database. Their attach checks the run's owner once, not
// once per viewer, and not at all on the instance that started the run. After a LISTEN reconnect every subscriber is told to resync from the table
// (notifications sent while the listener was down are lost), and subscribers at the same place in
// the same run share one read: a reconnect with a thousand viewers of a run is one query, not a
// thousand queued in front of everything else.
import { describe, expect, it } from "vitest";
import { readEventsAfter } from "../src/server/events/read";
import { streamRunEvents } from "../src/server/delivery/stream";
import { startRun } from "../src/server/runs/start";
import type { RunEvent } from "../src/server/events/types";
import { awaitCondition, awaitEvents, subscribeEvents } from "./support/await";
import { range, useTestServer } from "./support/fixture";
import { TEST_OWNER } from "./support/test-server";
import { gatedPlan } from "./support/gated-plan";

const gate = gatedPlan();
const api = useTestServer({ plan: gate.plan });
const SUBSCRIBERS = 300;

describe("many subscribers of one run", () => {
  // started: how the run comes to be; lookups: the owner lookups its 50 viewers' attach makes.
  const viewersOf = async (start: () => Promise<{ id: string }>, lookups: number) => {
    const { trpc } = api().client();
    const run = await start();
    const { runOwners } = api().server.services;
    const lookupsBefore = runOwners.lookups;
    const streams = Array.from({ length: 50 }, () => subscribeEvents(trpc, { runId: run.id }));
    try {
      for (const stream of streams) await awaitEvents(stream, (events) => events.length >= 1, "RunStarted");
      expect(runOwners.lookups - lookupsBefore).toBe(lookups);
    } finally {
      for (const stream of streams) stream.unsubscribe();
      await trpc.run.cancel.mutate({ runId: run.id }); // its held node must not take the next test's gate
    }
  };

  it("attach with one lookup of the run's owner between them", async () => {
    // Started without this instance's run.start (as another instance would): its owner is unknown here.
    const { eventLog, runLimits } = api().server.services;
    const start = {
      ownerId: TEST_OWNER,
      plan: "canonical",
      input: null,
      appPath: "/",
      stepDelayMs: 0,
      createdByAddress: null,
    };
    await viewersOf(() => startRun(eventLog, start, runLimits), 1);
  });

  it("attach with no lookup of the owner of a run this instance started", async () => {
    await viewersOf(() => api().client().trpc.run.start.mutate({ stepDelayMs: 0 }), 0);
  });

  it("resync after a LISTEN reconnect with one read of the table for all at the same seq, and live delivery resumes for each", async () => {
    const { trpc } = api().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
    gate.open(1); // EnsureDevice done, Warmup started: seq 1..5
    await awaitCondition(async () => (await trpc.run.get.query({ runId: run.id })).lastSeq >= 5, "seq 5");

    const { database, fanout } = api().server.services;
    let reads = 0;
    const readEvents: typeof readEventsAfter = (...args) => {
      reads += 1;
      return readEventsAfter(...args);
    };
    const received = Array.from({ length: SUBSCRIBERS }, () => [] as number[]);
    const streams = received.map(async (seqs) => {
      const deliver = (event: RunEvent) => seqs.push(event.seq);
      const stream = streamRunEvents({ db: database.db, fanout, readEvents }, run.id, 0, undefined, { deliver });
      for await (const event of stream) seqs.push(event.seq);
    });
    await awaitCondition(() => received.every((seqs) => seqs.length === 5), "every subscriber's backfill");
    expect(reads).toBe(1); // the attach: one shared first page

    fanout.resyncAll(); // what the fan-out does when its LISTEN connection is (re)established
    await awaitCondition(() => reads > 1, "the resync's read");
    gate.open(4); // the rest of the run, delivered live to every subscriber
    await Promise.all(streams);

    expect(reads).toBe(2);
    for (const seqs of received) expect(seqs).toEqual(range(1, 13));
    expect(fanout.subscriberCount).toBe(0);
  });
});
