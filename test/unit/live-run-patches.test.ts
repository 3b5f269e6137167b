import { describe, expect, it } from "vitest";
import { applyActivityEvent, withLivePatch, type LiveRunPatches } from "../../src/app/_runs/live-run-patches";
import type { RunEvent } from "../../src/app/_trpc/types";
import { events, run, RUN_ID } from "./support/runs";

const iso = (ms: number) => new Date(ms).toISOString();
const applyAll = (all: readonly RunEvent[]) => all.reduce<LiveRunPatches>(applyActivityEvent, {});

describe("applyActivityEvent", () => {
  it("records a started run as running, from the time of its RunStarted", () => {
    const [runStarted] = events({ type: "RunStarted", ts: 1_700_000_000_000 });
    expect(applyActivityEvent({}, runStarted!)[RUN_ID]).toEqual({
      lastSeq: 1,
      status: "running",
      startedAt: iso(1_700_000_000_000),
      finishedAt: null,
    });
  });

  it("records the outcome and end time of RunFinished, keeping the start", () => {
    const all = events(
      { type: "RunStarted" },
      { type: "NodeStarted", name: "Warmup" },
      { type: "RunFinished", status: "cancelled", reason: "user_cancelled" },
    );
    expect(applyAll(all)[RUN_ID]).toEqual({
      lastSeq: 3,
      status: "cancelled",
      startedAt: iso(all[0]!.ts),
      finishedAt: iso(all[2]!.ts),
    });
  });

  it("takes a RunFinished without a status for a failure", () => {
    const [finish] = events({ type: "RunFinished" });
    expect(applyActivityEvent({}, finish!)[RUN_ID]?.status).toBe("failed");
  });

  it("leaves the start unknown for a run first seen mid-way", () => {
    const [, step] = events({ type: "RunStarted" }, { type: "NodeStarted", name: "Warmup" });
    expect(applyActivityEvent({}, step!)[RUN_ID]).toMatchObject({ status: "running", startedAt: null, lastSeq: 2 });
  });

  it("takes the start from a RunStarted that comes after the run's first step (published by the poller)", () => {
    const [runStarted, step] = events(
      { type: "RunStarted", ts: 1_700_000_000_000 },
      { type: "NodeStarted", name: "Warmup" },
    );
    const patched = applyAll([step!, runStarted!]);
    expect(patched[RUN_ID]).toEqual({
      lastSeq: 2,
      status: "running",
      startedAt: iso(1_700_000_000_000),
      finishedAt: null,
    });
    expect(applyActivityEvent(patched, runStarted!)).toBe(patched);
  });

  it("ignores an event at or before the last seq seen (replays, out of order), returning the same patches", () => {
    const all = events(
      { type: "RunStarted" },
      { type: "NodeStarted", name: "Warmup" },
      { type: "RunFinished", status: "succeeded" },
    );
    const done = applyAll(all);
    expect(applyActivityEvent(done, all[1]!)).toBe(done);
    expect(applyActivityEvent(done, all[2]!)).toBe(done);
    expect(done[RUN_ID]?.status).toBe("succeeded");
  });

  it("keeps other runs' patches and does not change the patches it was given", () => {
    const other = { lastSeq: 4, status: "running" as const, startedAt: null, finishedAt: null };
    const before: LiveRunPatches = { "other-run": other };
    const [runStarted] = events({ type: "RunStarted" });
    const after = applyActivityEvent(before, runStarted!);
    expect(after["other-run"]).toBe(other);
    expect(Object.keys(before)).toEqual(["other-run"]);
    expect(Object.keys(after).sort()).toEqual([RUN_ID, "other-run"].sort());
  });
});

describe("withLivePatch", () => {
  const patch = { lastSeq: 13, status: "succeeded" as const, startedAt: iso(1_000), finishedAt: iso(9_000) };

  it("returns the fetched run when there is no patch", () => {
    const fetched = run({ status: "running", lastSeq: 3 });
    expect(withLivePatch(fetched, undefined)).toBe(fetched);
  });

  it("returns the fetched run when it is as new as the patch or newer", () => {
    for (const lastSeq of [13, 14]) {
      const fetched = run({ status: "running", lastSeq });
      expect(withLivePatch(fetched, patch)).toBe(fetched);
    }
  });

  it("applies a newer patch, keeping the times the fetched run already has", () => {
    const fetched = run({ status: "running", lastSeq: 5, startedAt: "2024-05-06T07:08:10.000Z" });
    expect(withLivePatch(fetched, patch)).toEqual({
      ...fetched,
      status: "succeeded",
      lastSeq: 13,
      startedAt: "2024-05-06T07:08:10.000Z",
      finishedAt: iso(9_000),
    });
  });

  it("fills in times the fetched run does not have yet", () => {
    const patched = withLivePatch(run({ lastSeq: 0 }), patch);
    expect(patched).toMatchObject({ startedAt: iso(1_000), finishedAt: iso(9_000) });
  });
});
