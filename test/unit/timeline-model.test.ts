import { describe, expect, it } from "vitest";
import { buildTimeline } from "../../src/app/runs/[runId]/_lib/timeline-model";
import { CANONICAL_STEPS } from "../../src/shared/canonical-plan";
import { events, finished, started, succeededRun } from "./support/runs";

const [first, second, third] = CANONICAL_STEPS;
const stepStates = (timeline: ReturnType<typeof buildTimeline>) =>
  timeline.steps.map((step) => `${step.name}:${step.state}`);

describe("buildTimeline", () => {
  it("shows every canonical step pending before the first event", () => {
    const timeline = buildTimeline([]);
    expect(timeline.steps.map((step) => step.name)).toEqual([...CANONICAL_STEPS]);
    expect(timeline.steps.every((step) => step.state === "pending" && step.events.length === 0)).toBe(true);
    expect(timeline.items.every((item) => item.kind === "step")).toBe(true);
    expect(timeline.stepsDone).toBe(0);
    expect(timeline.currentStep).toBeUndefined();
  });

  it("groups a succeeded run's events by step, between RunStarted and RunFinished", () => {
    const all = events(...succeededRun());
    const timeline = buildTimeline(all);
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
    );
    const [step] = timeline.steps;
    expect(step).toMatchObject({ startedAt: 5_040, finishedAt: 5_790, state: "done" });
    expect(step?.events.map((entry) => entry.sincePrevious)).toEqual([40, 750]);
    const runStarted = timeline.items[0];
    expect(runStarted?.kind === "event" && runStarted.entry.sincePrevious).toBeNull();
  });

  it("marks the step under way as running and the rest pending", () => {
    const timeline = buildTimeline(events({ type: "RunStarted" }, started(first), finished(first), started(second)));
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
    );
    expect(stepStates(timeline)).toEqual([
      `${first}:interrupted`,
      ...CANONICAL_STEPS.slice(1).map((name) => `${name}:skipped`),
    ]);
    expect(timeline.currentStep?.name).toBe(first);
    expect(timeline.items.at(-1)).toMatchObject({ kind: "event", entry: { event: { type: "RunFinished" } } });
  });

  it("skips every step of a run that ended before its first step", () => {
    const timeline = buildTimeline(events({ type: "RunStarted" }, { type: "RunFinished", status: "failed" }));
    expect(timeline.steps.every((step) => step.state === "skipped")).toBe(true);
    expect(timeline.currentStep).toBeUndefined();
  });

  it("shows steps in the order they ran, then the canonical steps not reached", () => {
    const timeline = buildTimeline(events(started(third), finished(third), started(first)));
    expect(timeline.steps.map((step) => step.name)).toEqual([
      third,
      first,
      ...CANONICAL_STEPS.filter((name) => name !== first && name !== third),
    ]);
    expect(timeline.steps).toHaveLength(CANONICAL_STEPS.length);
  });

  it("shows a step the plan does not name as it arrives, next to the canonical ones", () => {
    const timeline = buildTimeline(events(started("Screenshot"), finished("Screenshot")));
    expect(timeline.steps).toHaveLength(CANONICAL_STEPS.length + 1);
    expect(timeline.steps[0]).toMatchObject({ name: "Screenshot", state: "done" });
    expect(timeline.stepsDone).toBe(1);
  });

  it("keeps events that belong to no open step at the top level", () => {
    const timeline = buildTimeline(
      events({ type: "DebugTrace", fn: "before.any.step" }, started(first), finished(second), { type: "NodeStarted" }),
    );
    const topLevel = timeline.items.flatMap((item) => (item.kind === "event" ? [item.entry.event.seq] : []));
    // The stray trace, the NodeFinished of a step that is not open, and the nameless NodeStarted.
    expect(topLevel).toEqual([1, 3, 4]);
    expect(timeline.steps[0]).toMatchObject({ name: first, state: "running" });
    expect(timeline.steps[0]?.events).toHaveLength(1);
  });
});
