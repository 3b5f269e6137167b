import { describe, expect, it } from "vitest";
import { readEventsAfter } from "../src/server/events/read";
import { streamRunEvents } from "../src/server/delivery/stream";
import type { RunEvent } from "../src/server/events/types";
import { awaitCondition, awaitEvents, awaitOutboxFlush, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs, useTestServer } from "./support/fixture";
import { gatedPlan } from "./support/gated-plan";

const gate = gatedPlan();
const api = useTestServer({ plan: gate.plan });

/** Starts a run and lets `nodes` nodes finish; returns when their events are stored. */
async function runHeldAfter(nodes: number, expectedSeq: number) {
  const { trpc } = api().client();
  const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
  gate.open(nodes);
  await awaitCondition(
    async () => (await trpc.run.get.query({ runId: run.id })).lastSeq >= expectedSeq,
    `seq ${expectedSeq}`,
  );
  return run;
}

describe("subscribing to a run in progress", () => {
  it("gets the backfill, then live events, with no gap and no duplicate", async () => {
    const run = await runHeldAfter(1, 5); // EnsureDevice done, Warmup started
    const { trpc } = api().client();
    const stream = subscribeEvents(trpc, { runId: run.id });
    await awaitEvents(stream, (events) => events.length === 5, "the backfill of 5 events");
    gate.open(4);
    await awaitStreamCompletion(stream);
    expect(seqs(stream.received)).toEqual(range(1, 13));
  });

  // The backfill query races appends: events committed while it is in flight must come through
  // the live inbox (when the query missed them) or be dropped as duplicates (when it saw them).
  it.each([
    ["the backfill read misses them (stale snapshot)", "query-then-append"],
    ["the backfill read also sees them", "append-then-query"],
  ] as const)("events appended during the backfill: %s", async (_label, order) => {
    const run = await runHeldAfter(1, 5);
    const { database, fanout } = api().server.services;
    let raced = false;
    const appendDuringBackfill = async () => {
      if (raced) return;
      raced = true;
      gate.open(2); // Warmup and OpenApp finish: seq 6..9 appended and published
      await awaitCondition(
        async () => (await readEventsAfter(database.db, run.id, 0, 100)).length >= 9,
        "seq 9 stored",
      );
      await awaitOutboxFlush(database.db, run.id);
    };
    const readEvents: typeof readEventsAfter = async (...args) => {
      if (order === "append-then-query") await appendDuringBackfill();
      const page = await readEventsAfter(...args);
      if (order === "query-then-append") await appendDuringBackfill();
      return page;
    };

    const received: RunEvent[] = [];
    const consume = (async () => {
      for await (const event of streamRunEvents({ db: database.db, fanout, readEvents }, run.id, 0))
        received.push(event);
    })();
    await awaitCondition(() => received.length >= 9, "events 1..9");
    gate.open(2);
    await consume;

    expect(raced).toBe(true);
    expect(seqs(received)).toEqual(range(1, 13));
  });
});
