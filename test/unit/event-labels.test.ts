import { describe, expect, it } from "vitest";
import { compactJson, eventDetail, resumedLabel, retryAttempt } from "../../src/app/runs/[runId]/_lib/event-labels";
import { events } from "./support/runs";

describe("timeline event labels", () => {
  it("says where a resumed run went on, and which attempt it is", () => {
    const [lost, shutdown, bare] = events(
      { type: "RunResumed", attempt: 2, reason: "executor_lost" },
      { type: "RunResumed", attempt: 3, reason: "shutdown" },
      { type: "RunResumed" },
    );
    expect(resumedLabel(lost!)).toBe("Resumed on another instance — attempt 2");
    expect(resumedLabel(shutdown!)).toBe("Resumed after a server restart — attempt 3");
    expect(resumedLabel(bare!)).toBe("Resumed on another instance");
    expect(eventDetail(shutdown!)).toBe(resumedLabel(shutdown!));
  });

  it("names the node, the function or the outcome", () => {
    const [node, trace, finish] = events(
      { type: "NodeStarted", name: "Warmup" },
      { type: "DebugTrace", fn: "ensureDevice.check" },
      { type: "RunFinished", status: "failed", reason: "timeout:Warmup" },
    );
    expect([node, trace, finish].map((event) => eventDetail(event!))).toEqual([
      "Warmup",
      "ensureDevice.check",
      "failed · timeout:Warmup",
    ]);
  });

  it("gives the attempt of a retried node's NodeStarted only", () => {
    const [first, retried, resumed] = events(
      { type: "NodeStarted", name: "Count", attempt: 1 },
      { type: "NodeStarted", name: "Count", attempt: 3 },
      { type: "RunResumed", attempt: 2 },
    );
    expect([first, retried, resumed].map((event) => retryAttempt(event!))).toEqual([null, 3, null]);
  });

  it("puts data on one line, cut with an ellipsis past the limit", () => {
    expect(compactJson({ words: 3 })).toBe('{"words":3}');
    const long = compactJson({ text: "x".repeat(200) }, 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith("…")).toBe(true);
  });
});
