import { sql } from "drizzle-orm";
import { runEvents } from "../src/db/schema";
import { describe, expect, it } from "vitest";
import { awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs, useTestServer } from "./support/fixture";

const api = useTestServer();

describe("concurrency", () => {
  it("50 runs started at once all finish with contiguous seq and one RunFinished each", async () => {
    const { trpc } = api().client();
    const runs = await Promise.all(Array.from({ length: 50 }, () => trpc.run.start.mutate({ stepDelayMs: 0 })));
    const streams = await Promise.all(
      runs.map((run) => awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }), 60_000)),
    );

    for (const events of streams) {
      expect(seqs(events)).toEqual(range(1, 13));
      expect(events.filter((e) => e.type === "RunFinished")).toHaveLength(1);
      expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "succeeded" });
    }
    // The table agrees with the streams.
    const stats = await api()
      .server.services.database.db.select({
        n: sql<number>`count(*)::int`,
        max: sql<number>`max(${runEvents.seq})`,
        finishes: sql<number>`(count(*) filter (where ${runEvents.type} = 'RunFinished'))::int`,
      })
      .from(runEvents)
      .groupBy(runEvents.runId);
    expect(stats).toHaveLength(50);
    for (const row of stats) expect(row).toEqual({ n: 13, max: 13, finishes: 1 });
  });
});
