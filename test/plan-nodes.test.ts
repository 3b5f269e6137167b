import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { RunStartInput } from "@live-runs/client";
import { definePlan } from "../src/plans/types";
import { awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs, useTestServer } from "./support/fixture";

// Fails its first `failures` attempts (counted per run key), then returns the attempt it succeeded on.
const failuresSoFar = new Map<string, number>();
const flakyPlan = definePlan({
  name: "flaky",
  title: "Flaky",
  description: "A node that fails a given number of times before it succeeds.",
  input: z.object({ key: z.string(), failures: z.number().int().min(0) }),
  nodes: [
    {
      name: "Flaky",
      retry: { attempts: 3, backoffMs: 20 },
      run({ input, attempt }) {
        const failed = failuresSoFar.get(input.key) ?? 0;
        if (failed < input.failures) {
          failuresSoFar.set(input.key, failed + 1);
          throw new Error(`flaky failure ${failed + 1}`);
        }
        return { succeededOn: attempt };
      },
    },
  ],
  output: (results) => ({ flaky: results.Flaky! }),
});

const bulkyPlan = definePlan({
  name: "bulky",
  title: "Bulky",
  description: "A node that returns a result of the given size.",
  input: z.object({ bytes: z.number().int().min(0) }),
  nodes: [{ name: "Bulky", run: ({ input }) => ({ blob: "x".repeat(input.bytes) }) }],
  output: () => ({}),
});

const api = useTestServer({ plans: [flakyPlan, bulkyPlan] });

async function runToEnd(plan: string, input: Record<string, unknown>) {
  const { trpc } = api().client();
  // Plans this file registers on its server are unknown to the typed client.
  const run = await trpc.run.start.mutate({ plan, input } as RunStartInput);
  const events = await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
  expect(seqs(events)).toEqual(range(1, events.length));
  return { events, run: await trpc.run.get.query({ runId: run.id }) };
}

describe("plan nodes", () => {
  it("runs a plan end to end: each node's result on its NodeFinished, the output on the run", async () => {
    const { events, run } = await runToEnd("word-count", { text: "the cat saw the other cat, the end" });
    expect(events.map((e) => [e.type, e.name ?? e.fn ?? e.status])).toEqual([
      ["RunStarted", undefined],
      ["NodeStarted", "Split"],
      ["NodeFinished", "Split"],
      ["NodeStarted", "Count"],
      ["DebugTrace", "count.done"],
      ["NodeFinished", "Count"],
      ["NodeStarted", "Summarise"],
      ["NodeFinished", "Summarise"],
      ["RunFinished", "succeeded"],
    ]);
    expect(events[2]!.data).toEqual({ words: ["the", "cat", "saw", "the", "other", "cat", "the", "end"] });
    expect(events[4]!.data).toEqual({ distinct: 5 });
    expect(events[5]!.data).toMatchObject({ total: 8, counts: { the: 3, cat: 2, saw: 1 } });
    expect(run).toMatchObject({ status: "succeeded", plan: "word-count", appPath: "/", stepDelayMs: 0, attempt: 1 });
    expect(run.input).toEqual({ text: "the cat saw the other cat, the end" });
    expect(run.output).toEqual({
      words: 8,
      distinct: 5,
      top: [
        { word: "the", count: 3 },
        { word: "cat", count: 2 },
        { word: "end", count: 1 },
      ],
    });
  });

  it("retries a failing node after its backoff: NodeStarted carries attempts 2 and 3", async () => {
    const { events, run } = await runToEnd("flaky", { key: "twice", failures: 2 });
    const starts = events.filter((e) => e.type === "NodeStarted");
    expect(starts.map((e) => e.attempt)).toEqual([undefined, 2, 3]);
    expect(events.at(-2)).toMatchObject({ type: "NodeFinished", name: "Flaky", data: { succeededOn: 3 } });
    expect(run).toMatchObject({ status: "succeeded", output: { flaky: { succeededOn: 3 } } });
  });

  it("fails the run with the node's message after its last attempt", async () => {
    const { events, run } = await runToEnd("flaky", { key: "always", failures: 10 });
    expect(events.filter((e) => e.type === "NodeStarted")).toHaveLength(3);
    expect(events.some((e) => e.type === "NodeFinished")).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: "RunFinished", status: "failed", reason: "error:flaky failure 3" });
    expect(run).toMatchObject({ status: "failed", output: null });
  });

  it("a result over 16 KB fails the node, and nothing of it is written", async () => {
    const { events, run } = await runToEnd("bulky", { bytes: 20_000 });
    expect(events.map((e) => e.type)).toEqual(["RunStarted", "NodeStarted", "RunFinished"]);
    expect(events.at(-1)!.reason).toMatch(/^error:data too large/);
    expect(run.status).toBe("failed");
    const small = await runToEnd("bulky", { bytes: 1_000 });
    expect(small.run.status).toBe("succeeded");
  });
});
