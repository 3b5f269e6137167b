import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { awaitCondition, awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs } from "./support/fixture";
import { useServerBehindProxy } from "./support/server-behind-proxy";

const hasPostgres = Boolean(process.env.TEST_DATABASE_URL);

describe.runIf(hasPostgres)("the database goes away mid-stream", () => {
  const setup = useServerBehindProxy({ LISTENER_CHECK_MS: "300", HEARTBEAT_MS: "300", LEASE_MS: "10000" });

  it("run.start fails fast and clearly while it is down; the stream resumes without loss when it is back", async () => {
    const { trpc } = setup().server.client();
    // Each node sleeps 2 s: the outage falls inside a node, so no event has to be written during it.
    const run = await trpc.run.start.mutate({ stepDelayMs: 2_000 });
    const stream = subscribeEvents(trpc, { runId: run.id });
    await awaitEvents(
      stream,
      (events) => events.some((e) => e.type === "NodeStarted" && e.name === "Warmup"),
      "Warmup",
      20_000,
    );

    setup().proxy.down();
    const startedAt = Date.now();
    const failure = await trpc.run.start.mutate({ stepDelayMs: 0 }).then(
      () => null,
      (error: unknown) => error,
    );
    const failedAfterMs = Date.now() - startedAt;
    expect(failure).toBeInstanceOf(TRPCClientError);
    expect((failure as TRPCClientError<never>).data).toMatchObject({ code: "SERVICE_UNAVAILABLE", httpStatus: 503 });
    expect(failedAfterMs).toBeLessThan(6_000);
    // Stay down until the server has noticed too (a lease heartbeat failed), then come back.
    await awaitCondition(
      () => setup().server.logs.some((line) => line.includes("lease heartbeat failed")),
      "a failed heartbeat",
    );
    setup().proxy.up();

    const events = await awaitStreamCompletion(stream, 30_000);
    expect(seqs(events)).toEqual(range(1, 13));
    expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "succeeded" });
    expect(setup().server.logs.some((line) => line.includes("subscribers resync from the table"))).toBe(true);
    // And it takes new work again by itself.
    const next = await trpc.run.start.mutate({ stepDelayMs: 0 });
    expect(seqs(await awaitStreamCompletion(subscribeEvents(trpc, { runId: next.id }), 20_000))).toEqual(range(1, 13));
  });
});
