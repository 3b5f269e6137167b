import { describe, expect, it } from "vitest";
import { formatEvent, formatRunRow, NodeProgress, progressBar, RUN_TABLE_HEADER } from "../../src/cli/render";
import { CANONICAL_STEPS } from "../../src/shared/canonical-plan";
import { events, run } from "./support/runs";

const at = Date.parse("2024-05-06T07:08:09.123Z");
const steps = CANONICAL_STEPS.length;

describe("formatEvent", () => {
  it("shows seq, UTC time, type and node, with no delta for the first event", () => {
    const [event] = events({ type: "NodeStarted", name: "Warmup", seq: 7, ts: at });
    expect(formatEvent(event!, null)).toBe(`   7  07:08:09.123 ${" ".repeat(9)}  NodeStarted   Warmup`);
  });

  it("shows the time since the previous event", () => {
    const [event] = events({ type: "DebugTrace", fn: "ensureDevice.check", ts: at + 150 });
    const line = formatEvent(event!, at);
    expect(line).toContain("07:08:09.273    +150ms  DebugTrace    ensureDevice.check");
  });

  it("describes a RunFinished by its status and reason, or its status alone", () => {
    const [cancelled, succeeded] = events(
      { type: "RunFinished", status: "cancelled", reason: "user_cancelled" },
      { type: "RunFinished", status: "succeeded" },
    );
    expect(formatEvent(cancelled!, null)).toMatch(/RunFinished {3}cancelled user_cancelled$/);
    expect(formatEvent(succeeded!, null)).toMatch(/RunFinished {3}succeeded$/);
  });

  it("says where a run was resumed and which attempt a retried node is on", () => {
    const [lost, shutdown, retried] = events(
      { type: "RunResumed", attempt: 2, reason: "executor_lost" },
      { type: "RunResumed", attempt: 3, reason: "shutdown" },
      { type: "NodeStarted", name: "Count", attempt: 2 },
    );
    expect(formatEvent(lost!, null)).toMatch(/RunResumed {4}resumed on another instance, attempt 2$/);
    expect(formatEvent(shutdown!, null)).toMatch(/RunResumed {4}resumed after a server restart, attempt 3$/);
    expect(formatEvent(retried!, null)).toMatch(/NodeStarted {3}Count \(attempt 2\)$/);
  });

  it("leaves the detail empty for an event about nothing in particular", () => {
    const [event] = events({ type: "RunStarted" });
    expect(formatEvent(event!, null)).toMatch(/RunStarted {4}$/);
  });
});

describe("progressBar", () => {
  it("is empty before any node and full after the last step", () => {
    expect(progressBar(0, steps)).toBe(`[${"-".repeat(20)}] 0/${steps} nodes`);
    expect(progressBar(steps, steps)).toBe(`[${"#".repeat(20)}] ${steps}/${steps} nodes`);
  });

  it("rounds a part of a character to the nearest whole one", () => {
    // One node at width 2n - 1 fills 2 - 1/n characters.
    expect(progressBar(1, steps, steps * 2 - 1)).toMatch(/^\[##-+\] /);
  });

  it("fills in proportion to the nodes done, at any width", () => {
    const width = steps * 2;
    for (let done = 1; done < steps; done += 1) {
      expect(progressBar(done, steps, width)).toBe(
        `[${"#".repeat(done * 2)}${"-".repeat(width - done * 2)}] ${done}/${steps} nodes`,
      );
    }
  });

  it("counts against any plan's number of steps, never overfills, and is empty with no steps known", () => {
    expect(progressBar(3, 3)).toBe(`[${"#".repeat(20)}] 3/3 nodes`);
    expect(progressBar(4, 3)).toBe(`[${"#".repeat(20)}] 4/3 nodes`);
    expect(progressBar(0, 0)).toBe(`[${"-".repeat(20)}] 0/0 nodes`);
  });
});

describe("NodeProgress", () => {
  it("counts finished nodes against the plan's steps, a retried or resumed node once", () => {
    const progress = new NodeProgress(["Split", "Count", "Summarise"]);
    for (const event of events(
      { type: "RunStarted" },
      { type: "NodeStarted", name: "Split" },
      { type: "NodeFinished", name: "Split" },
      { type: "NodeStarted", name: "Count" },
      { type: "NodeStarted", name: "Count", attempt: 2 },
      { type: "RunResumed", attempt: 2, reason: "executor_lost" },
      { type: "NodeStarted", name: "Count" },
      { type: "NodeFinished", name: "Count" },
    )) {
      progress.add(event);
    }
    expect(progress.bar(3)).toBe("[##-] 2/3 nodes");
  });

  it("counts against the nodes seen so far when the plan's steps are unknown", () => {
    const progress = new NodeProgress(undefined);
    expect(progress.bar(4)).toBe("[----] 0/0 nodes");
    for (const event of events(
      { type: "NodeStarted", name: "Fetch" },
      { type: "NodeFinished", name: "Fetch" },
      { type: "NodeStarted", name: "Parse" },
    )) {
      progress.add(event);
    }
    expect(progress.bar(4)).toBe("[##--] 1/2 nodes");
  });
});

describe("formatRunRow", () => {
  it("lines its columns up under the table header", () => {
    const row = formatRunRow(run({ status: "running", lastSeq: 42, startedAt: "2024-05-06T07:08:10.000Z" }));
    for (const [column, value] of [
      ["status", "running"],
      ["events", "    42"],
      ["created", "2024-05-06 07:08:09"],
      ["finished", "-"],
      ["app path", "/apps/demo"],
    ] as const) {
      expect(row.slice(RUN_TABLE_HEADER.indexOf(column)), column).toMatch(new RegExp(`^${value}( |$)`));
    }
    expect(row.startsWith(run().id)).toBe(true);
  });

  it("shows times to the second and a dash for a run not finished", () => {
    const finishedRow = formatRunRow(run({ status: "succeeded", finishedAt: "2024-05-06T07:09:00.999Z" }));
    expect(finishedRow).toContain("2024-05-06 07:08:09  2024-05-06 07:09:00  /apps/demo");
    expect(formatRunRow(run())).toContain(`2024-05-06 07:08:09  -${" ".repeat(18)}  /apps/demo`);
  });
});
