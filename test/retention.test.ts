import { createHash } from "node:crypto";
import { TRPCClientError } from "@trpc/client";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runEvents, runOutbox, runs, viewTokens } from "../src/db/schema";
import { awaitCondition, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";

// The janitor only acts when a test asks it to (runOnce), or on its own at the interval below.
const api = useTestServer({
  retention: { intervalMs: 100, outboxKeepMs: 0, runRetentionDays: 30, batchSize: 100 },
});
const db = () => api().server.services.database.db;
const purgedCount = async (name: string) =>
  (await api().server.services.metrics.registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
const outboxRows = async () =>
  (
    await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(runOutbox)
  )[0]!.n;

describe("retention", () => {
  it("deletes published outbox rows soon after publication, so the table stays small under steady load", async () => {
    const { trpc } = api().client();
    const samples: number[] = [];
    let appended = 0;
    // Each wave lasts at least 5 steps of 60 ms, several janitor intervals: however fast the machine
    // runs the rest, a pass comes during every wave (with waves shorter than the interval, two
    // waves' rows could pile up before one, as they once did in CI).
    for (let wave = 0; wave < 4; wave++) {
      const started = await Promise.all(Array.from({ length: 10 }, () => trpc.run.start.mutate({ stepDelayMs: 60 })));
      for (const run of started)
        appended += (await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }))).length;
      samples.push(await outboxRows());
    }
    expect(appended).toBe(4 * 10 * 13);
    // Each sample holds at most about a wave's rows (130) plus what the last pass had not reached.
    expect(Math.max(...samples)).toBeLessThan(appended / 2);
    await awaitCondition(async () => (await outboxRows()) === 0, "every published outbox row to be purged");
    expect(await purgedCount("live_runs_outbox_rows_purged_total")).toBe(appended);
  });

  it("deletes finished runs past RUN_RETENTION_DAYS with their events, and nothing active", async () => {
    const { trpc } = api().client();
    const old = await trpc.run.start.mutate({ stepDelayMs: 0 });
    const recent = await trpc.run.start.mutate({ stepDelayMs: 0 });
    for (const run of [old, recent]) await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
    const active = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
    await awaitCondition(
      async () => (await trpc.run.get.query({ runId: active.id })).status === "running",
      "the long run to start",
    );
    // Age them: the old run finished 31 days ago; the active run was created as long ago.
    const longAgo = sql`now() - interval '31 days'`;
    await db().update(runs).set({ finishedAt: longAgo, createdAt: longAgo }).where(eq(runs.id, old.id));
    await db().update(runs).set({ createdAt: longAgo, startedAt: longAgo }).where(eq(runs.id, active.id));

    await api().server.services.janitor.runOnce();

    const gone = await trpc.run.get.query({ runId: old.id }).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(TRPCClientError);
    expect((gone as TRPCClientError<never>).data).toMatchObject({ code: "NOT_FOUND" });
    const leftEvents = await db().select().from(runEvents).where(eq(runEvents.runId, old.id));
    expect(leftEvents).toEqual([]);
    expect((await trpc.run.get.query({ runId: recent.id })).status).toBe("succeeded");
    expect((await trpc.run.get.query({ runId: active.id })).status).toBe("running");
    expect(await purgedCount("live_runs_runs_purged_total")).toBe(1);
    await trpc.run.cancel.mutate({ runId: active.id });
  });

  it("deletes view tokens a day past their expiry, and keeps the others", async () => {
    const { trpc } = api().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
    const stale = await trpc.run.createViewToken.mutate({ runId: run.id });
    const live = await trpc.run.createViewToken.mutate({ runId: run.id });
    await trpc.run.revokeViewToken.mutate({ token: live.token }); // revoked but not yet expired: kept
    const staleHash = createHash("sha256").update(stale.token).digest("hex");
    await db()
      .update(viewTokens)
      .set({ expiresAt: sql`now() - interval '25 hours'` })
      .where(eq(viewTokens.secretHash, staleHash));

    await api().server.services.janitor.runOnce();

    const left = await db()
      .select({ hash: viewTokens.secretHash })
      .from(viewTokens)
      .where(eq(viewTokens.runId, run.id));
    expect(left.map((row) => row.hash)).toEqual([createHash("sha256").update(live.token).digest("hex")]);
  });
});
