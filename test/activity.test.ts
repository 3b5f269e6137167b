import { describe, expect, it } from "vitest";
import { activitySubscriberCount } from "../src/server/delivery/activity";
import type { InboxItem } from "../src/server/delivery/inbox";
import { awaitCondition, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, useTestServer } from "./support/fixture";
import type { TestServer } from "./support/test-server";

const api = useTestServer();

/** `count` run.activity subscriptions of one client: what each has seen, and how many have started. */
function subscribeActivity(client: ReturnType<TestServer["client"]>, count: number) {
  const seen = Array.from({ length: count }, () => [] as InboxItem[]);
  let started = 0;
  const subscriptions = seen.map((items) =>
    client.trpc.run.activity.subscribe(undefined, {
      onStarted: () => (started += 1),
      onData: (item) => items.push(item),
    }),
  );
  return { seen, subscriptions, started: () => started };
}

describe("run.activity", () => {
  it("streams the events of every run as they are published", async () => {
    const { trpc } = api().client();
    const seen: InboxItem[] = [];
    let started = false;
    const subscription = trpc.run.activity.subscribe(undefined, {
      onStarted: () => (started = true),
      onData: (item) => seen.push(item),
    });
    await awaitCondition(() => started, "the activity subscription to start");

    const runs = await Promise.all([1, 2].map(() => trpc.run.start.mutate({ stepDelayMs: 0 })));
    for (const run of runs) await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
    await awaitCondition(
      () => seen.length >= 26,
      "26 activity items",
      15_000,
      () => `${seen.length} seen`,
    );
    subscription.unsubscribe();

    // Each event once, a run's in seq order: its first append publishes its RunStarted, then its own.
    for (const run of runs) {
      const events = seen.flatMap((item) => (item.kind === "event" && item.event.runId === run.id ? [item.event] : []));
      expect(events.map((e) => e.seq)).toEqual(range(1, 13));
    }
  });

  it("many subscribers share one owner lookup per run, and see only their own runs", async () => {
    const watcher = api().client();
    const other = api().client({ token: await api().tokenFor("another-owner") });
    const SUBSCRIBERS = 50;
    const { seen, subscriptions, started } = subscribeActivity(watcher, SUBSCRIBERS);
    await awaitCondition(() => started() === SUBSCRIBERS, `${SUBSCRIBERS} activity subscriptions to start`);
    const lookupsBefore = api().server.services.runOwners.lookups;

    const foreign = await Promise.all([1, 2, 3, 4, 5].map(() => other.trpc.run.start.mutate({ stepDelayMs: 0 })));
    for (const run of foreign) await awaitStreamCompletion(subscribeEvents(other.trpc, { runId: run.id }));
    const own = await watcher.trpc.run.start.mutate({ stepDelayMs: 0 });
    await awaitCondition(
      () => seen.every((items) => items.filter((item) => item.kind === "event").length >= 13),
      "every subscriber to see its own run's 13 events",
      15_000,
    );
    for (const subscription of subscriptions) subscription.unsubscribe();

    for (const items of seen) {
      const runIds = new Set(items.flatMap((item) => (item.kind === "event" ? [item.event.runId] : [])));
      expect([...runIds]).toEqual([own.id]);
    }
    // One lookup per run at most, however many subscribers: 6 runs here, not 6 × 50.
    expect(api().server.services.runOwners.lookups - lookupsBefore).toBeLessThanOrEqual(foreign.length + 1);
  });

  it("an instance's activity subscriptions share one fan-out subscription, which ends with the last of them", async () => {
    const { fanout } = api().server.services;
    const watcher = api().client({ token: await api().tokenFor("hub-watcher") });
    const SUBSCRIBERS = 50;
    const { seen, subscriptions, started } = subscribeActivity(watcher, SUBSCRIBERS);
    await awaitCondition(
      () => started() === SUBSCRIBERS && activitySubscriberCount(fanout) === SUBSCRIBERS,
      `${SUBSCRIBERS} activity subscriptions`,
    );
    // Each published event is handed to one reader, whatever the number of subscriptions.
    expect(fanout.subscriberCount).toBe(1);

    // A resync (the listener reconnected) reaches every one of them.
    fanout.resyncAll();
    await awaitCondition(
      () => seen.every((items) => items.some((item) => item.kind === "resync")),
      "every subscriber to be told to resync",
    );

    for (const subscription of subscriptions) subscription.unsubscribe();
    await awaitCondition(
      () => activitySubscriberCount(fanout) === 0 && fanout.subscriberCount === 0,
      "the last subscription to end the shared one",
    );
  });
});
