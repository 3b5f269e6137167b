import { afterEach, describe, expect, it, vi } from "vitest";
import type { NewEvent, RunEvent } from "../../src/server/events/types";
import { z } from "zod";
import { canonicalPlan } from "../../src/plans/canonical";
import type { NodeContext as PlanNodeContext, Plan, PlanNode as AnyPlanNode } from "../../src/plans/types";
import { runPlan, type Interruption } from "../../src/server/executor/run-plan";
import { CANONICAL_TIMELINE } from "../support/canonical-timeline";

type Appended = Omit<NewEvent, "source">;
type NodeContext = PlanNodeContext<unknown>;
type PlanNode = AnyPlanNode<unknown>;

/** A plan of the given nodes, for runPlan alone (no registry, no input to speak of). */
const planOf = (nodes: readonly PlanNode[]): Plan => ({
  name: "test",
  title: "Test",
  description: "",
  input: z.unknown(),
  nodes,
  output: () => ({}),
});

/** An in-memory append: records every event; from the `refuseFrom`-th append on it answers null. */
function memoryAppend(refuseFrom = Infinity) {
  const appended: Appended[] = [];
  let calls = 0;
  const append = (event: Appended): Promise<RunEvent | null> => {
    calls += 1;
    if (calls >= refuseFrom) return Promise.resolve(null);
    appended.push(event);
    return Promise.resolve({ runId: "run-1", seq: appended.length + 1, ts: 0, v: 1, source: "worker", ...event });
  };
  return { append, appended, calls: () => calls };
}

/** A node that waits until the test lets it finish; `started` resolves with its context. */
function heldNode(name: string) {
  let release!: () => void;
  let started!: (ctx: NodeContext) => void;
  const startedWith = new Promise<NodeContext>((resolve) => (started = resolve));
  const node: PlanNode = {
    name,
    run: (ctx) => {
      started(ctx);
      return new Promise<void>((resolve) => (release = resolve));
    },
  };
  return { node, started: startedWith, release: () => release() };
}

const quick = (name: string): PlanNode => ({ name, run: async () => {} });
const names = (events: Appended[]) => events.map((e) => [e.type, e.name ?? e.fn ?? e.status].join(" "));

function start(plan: Plan | readonly PlanNode[], options: { refuseFrom?: number; nodeTimeoutMs?: number } = {}) {
  const log = memoryAppend(options.refuseFrom);
  const controller = new AbortController();
  const done = runPlan({
    plan: "nodes" in plan ? plan : planOf(plan),
    input: { appPath: "/", stepDelayMs: 0 },
    settings: { fetchAllowed: [] },
    nodeTimeoutMs: options.nodeTimeoutMs ?? 10_000,
    signal: controller.signal,
    append: log.append,
  });
  return { ...log, done, interrupt: (reason: Interruption) => controller.abort(reason) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("running a plan", () => {
  it("the canonical plan appends the golden timeline and succeeds", async () => {
    const run = start(canonicalPlan);
    await run.done;
    // RunStarted is run.start's to append; the plan appends the rest. The canonical plan's output
    // (stored on the run, not on the event) is empty.
    const { output, ...finished } = run.appended.at(-1)!;
    expect([...run.appended.slice(0, -1), finished]).toEqual(CANONICAL_TIMELINE.slice(1));
    expect(output).toEqual({});
  });

  it("a node that throws fails the run with error:<message>, and no later node starts", async () => {
    const failing: PlanNode = { name: "Flaky", run: () => Promise.reject(new Error("device unplugged")) };
    const run = start([quick("First"), failing, quick("Never")]);
    await run.done;
    expect(names(run.appended)).toEqual([
      "NodeStarted First",
      "NodeFinished First",
      "NodeStarted Flaky",
      "RunFinished failed",
    ]);
    expect(run.appended.at(-1)).toEqual({ type: "RunFinished", status: "failed", reason: "error:device unplugged" });
  });

  it("keeps the first 500 characters of a failure's message, and takes a thrown non-Error as text", async () => {
    const long = start([{ name: "Long", run: () => Promise.reject(new Error("x".repeat(600))) }]);
    await long.done;
    expect(long.appended.at(-1)?.reason).toBe(`error:${"x".repeat(500)}`);

    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what a careless node may do
    const odd = start([{ name: "Odd", run: () => Promise.reject("just a string") }]);
    await odd.done;
    expect(odd.appended.at(-1)).toEqual({ type: "RunFinished", status: "failed", reason: "error:just a string" });
  });

  it("a node past its timeout fails the run as timeout:<node>, even if it ignores its signal", async () => {
    vi.useFakeTimers();
    const slow = heldNode("Slow");
    const run = start([slow.node, quick("Never")], { nodeTimeoutMs: 1_000 });
    const ctx = await slow.started;

    await vi.advanceTimersByTimeAsync(999);
    expect(ctx.signal.aborted).toBe(false);
    expect(names(run.appended)).toEqual(["NodeStarted Slow"]);

    await vi.advanceTimersByTimeAsync(1);
    await run.done;
    expect(ctx.signal.aborted).toBe(true);
    expect(run.appended).toEqual([
      { type: "NodeStarted", name: "Slow" },
      { type: "RunFinished", status: "failed", reason: "timeout:Slow" },
    ]);
  });

  it("cancelled mid-node, the node is aborted and the run ends cancelled at once", async () => {
    const held = heldNode("Held");
    const run = start([quick("First"), held.node, quick("Never")]);
    const ctx = await held.started;
    run.interrupt("user_cancelled");
    // The node never returns by itself: the run ends without waiting for it.
    await run.done;
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe("user_cancelled");
    expect(names(run.appended)).toEqual([
      "NodeStarted First",
      "NodeFinished First",
      "NodeStarted Held",
      "RunFinished cancelled",
    ]);
    expect(run.appended.at(-1)).toEqual({ type: "RunFinished", status: "cancelled", reason: "user_cancelled" });
    held.release();
  });

  it.each(["shutdown", "lease_lost"] as const)(
    "interrupted mid-node (%s), the node is aborted and nothing more is appended: the run goes on elsewhere",
    async (reason) => {
      const held = heldNode("Held");
      const run = start([quick("First"), held.node, quick("Never")]);
      const ctx = await held.started;
      run.interrupt(reason);
      await run.done;
      expect(ctx.signal.reason).toBe(reason);
      expect(names(run.appended)).toEqual(["NodeStarted First", "NodeFinished First", "NodeStarted Held"]);
      held.release();
    },
  );

  it("resumed, the finished nodes are skipped and their stored results reach the later nodes and the output", async () => {
    let seen: unknown;
    const plan: Plan = {
      ...planOf([
        { name: "A", run: () => ({ a: 1 }) },
        { name: "B", run: () => ({ b: 2 }) },
        { name: "C", run: (ctx) => void (seen = ctx.results) },
      ]),
      output: (results) => ({ sum: Number(results.A?.a) + Number(results.B?.b) }),
    };
    const log = memoryAppend();
    await runPlan({
      plan,
      input: {},
      settings: { fetchAllowed: [] },
      nodeTimeoutMs: 1_000,
      signal: new AbortController().signal,
      append: log.append,
      completed: new Map([["A", { a: 10 }]]),
    });
    expect(names(log.appended)).toEqual([
      "NodeStarted B",
      "NodeFinished B",
      "NodeStarted C",
      "NodeFinished C",
      "RunFinished succeeded",
    ]);
    expect(seen).toEqual({ A: { a: 10 }, B: { b: 2 } });
    expect(log.appended.at(-1)).toMatchObject({ output: { sum: 12 } });
  });

  it("cancelled while the node's NodeStarted is being written, the node starts aborted and the run ends cancelled", async () => {
    const held = heldNode("Held");
    const log = memoryAppend();
    const controller = new AbortController();
    const done = runPlan({
      plan: planOf([held.node, quick("Never")]),
      input: {},
      settings: { fetchAllowed: [] },
      nodeTimeoutMs: 10_000,
      signal: controller.signal,
      // The cancel lands after the check before the node and before the node runs.
      append: async (event) => {
        const stored = await log.append(event);
        if (event.type === "NodeStarted") controller.abort("user_cancelled");
        return stored;
      },
    });
    const ctx = await held.started;
    expect(ctx.signal.aborted).toBe(true);
    await done; // the held node never returns: without the abort this waits forever
    expect(names(log.appended)).toEqual(["NodeStarted Held", "RunFinished cancelled"]);
  });

  it("interrupted between nodes, the next node never starts", async () => {
    let interrupt: (reason: Interruption) => void = () => {};
    const last: PlanNode = { name: "Last", run: () => Promise.resolve(interrupt("user_cancelled")) };
    const run = start([last, quick("Never")]);
    interrupt = run.interrupt;
    await run.done;
    expect(names(run.appended)).toEqual(["NodeStarted Last", "NodeFinished Last", "RunFinished cancelled"]);
  });

  it("stops at the first append that answers null (the run is no longer its to write)", async () => {
    // 1 NodeStarted A, 2 NodeFinished A, 3 NodeStarted B: refused.
    const refusedStart = start([quick("A"), quick("B"), quick("C")], { refuseFrom: 3 });
    await refusedStart.done;
    expect(names(refusedStart.appended)).toEqual(["NodeStarted A", "NodeFinished A"]);
    expect(refusedStart.calls()).toBe(3);

    // 1 NodeStarted A, 2 NodeFinished A: refused.
    const refusedFinish = start([quick("A"), quick("B")], { refuseFrom: 2 });
    await refusedFinish.done;
    expect(names(refusedFinish.appended)).toEqual(["NodeStarted A"]);
    expect(refusedFinish.calls()).toBe(2);
  });
});
