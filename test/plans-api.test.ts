import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import type { AppRouter, RunStartInput } from "@live-runs/client";
import { CANONICAL_STEPS } from "../src/shared/canonical-plan";
import { awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";

const api = useTestServer();

async function rejection(call: () => Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  const error = await call().then(
    () => null,
    (e: unknown) => e,
  );
  if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
  throw new Error(`expected a tRPC error, got ${String(error)}`);
}

describe("plans in the API", () => {
  it("run.plans lists the registered plans with their steps and input JSON Schemas", async () => {
    const { trpc } = api().client();
    const plans = await trpc.run.plans.query();
    expect(plans.map((plan) => plan.name)).toEqual(["canonical", "word-count", "screens"]);
    expect(plans[0]).toMatchObject({ title: "Canonical crawl", steps: [...CANONICAL_STEPS] });
    expect(plans[0]!.input).toMatchObject({ type: "object", properties: { appPath: { type: "string" } } });
    expect(plans[1]).toMatchObject({
      steps: ["Split", "Count", "Summarise"],
      input: { type: "object", properties: { text: { type: "string", maxLength: 10_000 } }, required: ["text"] },
    });
    expect(plans[2]).toMatchObject({
      steps: ["Crawl"],
      input: {
        properties: {
          startUrl: { type: "string", format: "uri" },
          maxScreens: { type: "integer", minimum: 1, maximum: 200, default: 25 },
          maxDepth: { type: "integer", minimum: 0, maximum: 5, default: 3 },
        },
        required: ["startUrl"],
      },
    });
  });

  it.each([
    ["word-count", { text: 42 }],
    ["word-count", {}],
    ["word-count", { text: "x".repeat(10_001) }],
    ["no-such-plan", {}],
  ])("run.start of plan %s with input %j is BAD_REQUEST with the issues, and starts nothing", async (plan, input) => {
    const { trpc } = api().client();
    const before = (await trpc.run.list.query({ limit: 100 })).items.length;
    // Inputs the typed client refuses to compile: sent anyway, the server must refuse them too.
    const error = await rejection(() => trpc.run.start.mutate({ plan, input } as RunStartInput));
    expect(error.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
    expect(error.data?.issues?.length).toBeGreaterThan(0);
    expect((await trpc.run.list.query({ limit: 100 })).items).toHaveLength(before);
  });

  it("run.rerun starts a new run with the same plan and input; someone else's run is NOT_FOUND", async () => {
    const { trpc } = api().client();
    const first = await trpc.run.start.mutate({ plan: "word-count", input: { text: "one two two" } });
    await awaitStreamCompletion(subscribeEvents(trpc, { runId: first.id }));
    const again = await trpc.run.rerun.mutate({ runId: first.id });
    expect(again.id).not.toBe(first.id);
    expect(again).toMatchObject({ plan: "word-count", input: { text: "one two two" }, status: "queued" });
    await awaitStreamCompletion(subscribeEvents(trpc, { runId: again.id }));
    expect(await trpc.run.get.query({ runId: again.id })).toMatchObject({
      status: "succeeded",
      output: { words: 3, distinct: 2 },
    });

    const canonical = await trpc.run.start.mutate({ appPath: "/apps/x", stepDelayMs: 0 });
    expect(await trpc.run.rerun.mutate({ runId: canonical.id })).toMatchObject({
      plan: "canonical",
      input: null,
      appPath: "/apps/x",
      stepDelayMs: 0,
    });

    const stranger = api().client({ token: await api().tokenFor("someone-else") }).trpc;
    expect((await rejection(() => stranger.run.rerun.mutate({ runId: first.id }))).data?.code).toBe("NOT_FOUND");
  });

  it("run.list filters by status and by plan", async () => {
    const { trpc } = api().client({ token: await api().tokenFor("lister") });
    const counted = await trpc.run.start.mutate({ plan: "word-count", input: { text: "a b" } });
    await awaitStreamCompletion(subscribeEvents(trpc, { runId: counted.id }));
    const waiting = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
    const ids = (items: { id: string }[]) => items.map((run) => run.id);

    expect(ids((await trpc.run.list.query({ plan: "word-count" })).items)).toEqual([counted.id]);
    expect(ids((await trpc.run.list.query({ plan: "canonical" })).items)).toEqual([waiting.id]);
    expect(ids((await trpc.run.list.query({ status: "succeeded" })).items)).toEqual([counted.id]);
    expect(ids((await trpc.run.list.query({ status: "failed", plan: "word-count" })).items)).toEqual([]);
    await trpc.run.cancel.mutate({ runId: waiting.id });
    expect(ids((await trpc.run.list.query({ status: "cancelled" })).items)).toEqual([waiting.id]);
  });
});
