import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Plan } from "../../src/plans/types";
import { resumePoint, type NodeEvent } from "../../src/server/executor/resume";

const plan: Plan = {
  name: "three",
  title: "Three",
  description: "",
  input: z.unknown(),
  nodes: ["A", "B", "C"].map((name) => ({ name, run: () => {} })),
  output: () => ({}),
};
const started = (name: string): NodeEvent => ({ type: "NodeStarted", name, data: null });
const finished = (name: string, data: NodeEvent["data"] = null): NodeEvent => ({ type: "NodeFinished", name, data });

describe("where a resumed run picks up", () => {
  it("skips the finished nodes, with their stored results, and reruns the one that was running", () => {
    const point = resumePoint(plan, [started("A"), finished("A", { n: 1 }), started("B"), started("B")]);
    expect(point).toEqual({ completed: new Map([["A", { n: 1 }]]) });
  });

  it("a run lost before its first node starts from the beginning", () => {
    expect(resumePoint(plan, [])).toEqual({ completed: new Map() });
  });

  it("a run lost after its last node only has its RunFinished left to write", () => {
    const history = ["A", "B", "C"].flatMap((name) => [started(name), finished(name)]);
    expect(resumePoint(plan, history)).toEqual({ completed: new Map(["A", "B", "C"].map((name) => [name, null])) });
  });

  it("fails with a clear reason when the node that was running is gone from the plan", () => {
    expect(resumePoint(plan, [started("A"), finished("A"), started("Gone")])).toEqual({
      problem: "plan_changed: plan three no longer has node Gone here",
    });
  });

  it("fails when the finished nodes are no longer the plan's first nodes in order", () => {
    expect(resumePoint(plan, [started("B"), finished("B")])).toEqual({
      problem: "plan_changed: plan three no longer has node B here",
    });
  });
});
