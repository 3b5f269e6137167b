import { describe, expect, it } from "vitest";
import type { InboxItem } from "../src/server/delivery/inbox";
import { awaitCondition, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";

const api = useTestServer();

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

    for (const run of runs) {
      const events = seen.flatMap((item) => (item.kind === "event" && item.event.runId === run.id ? [item.event] : []));
      expect(events.map((e) => e.seq)).toEqual([...Array(13).keys()].map((i) => i + 1));
    }
  });
});
