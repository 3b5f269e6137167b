import { describe, expect, it } from "vitest";
import { buildTimeline } from "../../src/app/runs/[runId]/_lib/timeline-model";
import { CANONICAL_STEPS } from "../../src/shared/canonical-plan";
import { events, finished, started, succeededRun } from "./support/runs";

const [first, second, third] = CANONICAL_STEPS;
const stepStates = (timeline: ReturnType<typeof buildTimeline>) =>
  timeline.steps.map((step) => `${step.name}:${step.state}`);

describe("buildTimeline", () => {
  it("shows every canonical step pending before the first event", () => {
    const timeline = buildTimeline([], CANONICAL_STEPS);
    expect(timeline.steps.map((step) => step.name)).toEqual([...CANONICAL_STEPS]);
    expect(timeline.steps.every((step) => step.state === "pending" && step.events.length === 0)).toBe(true);
    expect(timeline.items.every((item) => item.kind === "step")).toBe(true);
    expect(timeline.stepsDone).toBe(0);
    expect(timeline.currentStep).toBeUndefined();
  });

  it("groups a succeeded run's events by step, between RunStarted and RunFinished", () => {
    const all = events(...succeededRun());
    const timeline = buildTimeline(all, CANONICAL_STEPS);
    expect(timeline.items.map((item) => (item.kind === "event" ? item.entry.event.type : item.step.name))).toEqual([
      "RunStarted",
      ...CANONICAL_STEPS,
      "RunFinished",
    ]);
    expect(timeline.stepsDone).toBe(CANONICAL_STEPS.length);
    expect(timeline.currentStep).toBeUndefined();
    const [ensure] = timeline.steps;
    expect(ensure?.events.map((entry) => entry.event.type)).toEqual(["NodeStarted", "DebugTrace", "NodeFinished"]);
    // Every event is shown exactly once, steps included.
    const shown = timeline.items.flatMap((item) =>
      item.kind === "event" ? [item.entry.event.seq] : item.step.events.map((entry) => entry.event.seq),
    );
    expect(shown).toEqual(all.map((event) => event.seq));
  });

  it("times each step from its NodeStarted to its NodeFinished, and each event from the one before", () => {
    const timeline = buildTimeline(
      events({ type: "RunStarted", ts: 5_000 }, { ...started(first), ts: 5_040 }, { ...finished(first), ts: 5_790 }),
      CANONICAL_STEPS,
    );
    const [step] = timeline.steps;
    expect(step).toMatchObject({ startedAt: 5_040, finishedAt: 5_790, state: "done" });
    expect(step?.events.map((entry) => entry.sincePrevious)).toEqual([40, 750]);
    const runStarted = timeline.items[0];
    expect(runStarted?.kind === "event" && runStarted.entry.sincePrevious).toBeNull();
  });

  it("marks the step under way as running and the rest pending", () => {
    const timeline = buildTimeline(
      events({ type: "RunStarted" }, started(first), finished(first), started(second)),
      CANONICAL_STEPS,
    );
    expect(stepStates(timeline)).toEqual([
      `${first}:done`,
      `${second}:running`,
      ...CANONICAL_STEPS.slice(2).map((name) => `${name}:pending`),
    ]);
    expect(timeline.currentStep?.name).toBe(second);
    expect(timeline.stepsDone).toBe(1);
  });

  it("marks the step a run ended in as interrupted and the steps never reached as skipped", () => {
    const timeline = buildTimeline(
      events({ type: "RunStarted" }, started(first), {
        type: "RunFinished",
        status: "cancelled",
        reason: "user_cancelled",
      }),
      CANONICAL_STEPS,
    );
    expect(stepStates(timeline)).toEqual([
      `${first}:interrupted`,
      ...CANONICAL_STEPS.slice(1).map((name) => `${name}:skipped`),
    ]);
    expect(timeline.currentStep?.name).toBe(first);
    expect(timeline.items.at(-1)).toMatchObject({ kind: "event", entry: { event: { type: "RunFinished" } } });
  });

  it("skips every step of a run that ended before its first step", () => {
    const timeline = buildTimeline(
      events({ type: "RunStarted" }, { type: "RunFinished", status: "failed" }),
      CANONICAL_STEPS,
    );
    expect(timeline.steps.every((step) => step.state === "skipped")).toBe(true);
    expect(timeline.currentStep).toBeUndefined();
  });

  it("shows steps in the order they ran, then the canonical steps not reached", () => {
    const timeline = buildTimeline(events(started(third), finished(third), started(first)), CANONICAL_STEPS);
    expect(timeline.steps.map((step) => step.name)).toEqual([
      third,
      first,
      ...CANONICAL_STEPS.filter((name) => name !== first && name !== third),
    ]);
    expect(timeline.steps).toHaveLength(CANONICAL_STEPS.length);
  });

  it("shows a step the plan does not name as it arrives, next to the canonical ones", () => {
    const timeline = buildTimeline(events(started("Screenshot"), finished("Screenshot")), CANONICAL_STEPS);
    expect(timeline.steps).toHaveLength(CANONICAL_STEPS.length + 1);
    expect(timeline.steps[0]).toMatchObject({ name: "Screenshot", state: "done" });
    expect(timeline.stepsDone).toBe(1);
  });

  it("keeps events that belong to no open step at the top level", () => {
    const timeline = buildTimeline(
      events({ type: "DebugTrace", fn: "before.any.step" }, started(first), finished(second), { type: "NodeStarted" }),
      CANONICAL_STEPS,
    );
    const topLevel = timeline.items.flatMap((item) => (item.kind === "event" ? [item.entry.event.seq] : []));
    // The stray trace, the NodeFinished of a step that is not open, and the nameless NodeStarted.
    expect(topLevel).toEqual([1, 3, 4]);
    expect(timeline.steps[0]).toMatchObject({ name: first, state: "running" });
    expect(timeline.steps[0]?.events).toHaveLength(1);
  });

  it("takes the steps from the run's plan, whatever the plan", () => {
    const wordCount = ["Split", "Count", "Summarise"];
    const timeline = buildTimeline(events({ type: "RunStarted" }, started("Split")), wordCount);
    expect(stepStates(timeline)).toEqual(["Split:running", "Count:pending", "Summarise:pending"]);
  });

  it("falls back to the nodes seen in the events when the plan is unknown", () => {
    expect(buildTimeline([], undefined).steps).toEqual([]);
    const timeline = buildTimeline(
      events({ type: "RunStarted" }, started("Fetch"), finished("Fetch"), started("Parse")),
      undefined,
    );
    expect(stepStates(timeline)).toEqual(["Fetch:done", "Parse:running"]);
    expect(timeline.stepsDone).toBe(1);
  });

  it("keeps a retried step's earlier attempt: one step, every event shown once", () => {
    const all = events(
      { type: "RunStarted" },
      started(first),
      { type: "DebugTrace", fn: "try.one" },
      { ...started(first), attempt: 2 },
      finished(first),
    );
    const timeline = buildTimeline(all, CANONICAL_STEPS);
    expect(timeline.steps.filter((step) => step.name === first)).toHaveLength(1);
    expect(timeline.steps[0]?.events.map((entry) => entry.event.seq)).toEqual([2, 3, 4, 5]);
    expect(timeline.steps[0]).toMatchObject({ state: "done", startedAt: all[1]!.ts, finishedAt: all[4]!.ts });
    expect(timeline.stepsDone).toBe(1);
  });

  it("puts a RunResumed in the step the run was resumed at, which runs again until it finishes", () => {
    const resumed = [
      { type: "RunStarted" },
      started(first),
      finished(first),
      started(second),
      { type: "RunResumed", attempt: 2, reason: "executor_lost" },
      started(second),
    ] as const;
    const running = buildTimeline(events(...resumed), CANONICAL_STEPS);
    expect(running.steps[1]?.events.map((entry) => entry.event.type)).toEqual([
      "NodeStarted",
      "RunResumed",
      "NodeStarted",
    ]);
    expect(running.currentStep).toMatchObject({ name: second, state: "running" });

    const done = buildTimeline(events(...resumed, finished(second)), CANONICAL_STEPS);
    expect(done.stepsDone).toBe(2);
    expect(done.steps).toHaveLength(CANONICAL_STEPS.length);
  });

  it("shows a RunResumed between steps where it happened", () => {
    const timeline = buildTimeline(
      events(
        { type: "RunStarted" },
        started(first),
        finished(first),
        { type: "RunResumed", attempt: 2, reason: "shutdown" },
        started(second),
      ),
      CANONICAL_STEPS,
    );
    expect(timeline.items.map((item) => (item.kind === "event" ? item.entry.event.type : item.step.name))).toEqual([
      "RunStarted",
      first,
      "RunResumed",
      second,
      ...CANONICAL_STEPS.slice(2),
    ]);
  });
});
