import { describe, expect, it } from "vitest";
import {
  atTail,
  emptyWindow,
  hasOlder,
  lastSeqOf,
  WINDOW_MAX_EVENTS,
  windowReducer,
  type EventWindow,
} from "../../src/app/runs/[runId]/_lib/event-window";
import { indexAt, prefixOffsets } from "../../src/app/runs/[runId]/_lib/row-offsets";
import { renderedBlocks, timelineRows } from "../../src/app/runs/[runId]/_lib/timeline-rows";
import { events, succeededRun } from "./support/runs";

/** Events `from`..`to` of a long trace run. */
const span = (from: number, to: number) =>
  events(...Array.from({ length: to }, () => ({ type: "DebugTrace" as const, fn: "trace" }))).slice(from - 1);
const seqsOf = (window: EventWindow) => window.events.map((event) => event.seq);
const opened = (from: number, to: number, latestSeq = to) =>
  windowReducer(emptyWindow, { type: "opened", events: span(from, to), from, latestSeq });

describe("the event window", () => {
  it("joins live events at the tail, once each and without gaps", () => {
    let window = opened(91, 100);
    window = windowReducer(window, { type: "received", events: span(99, 102), keep: "newest" });
    window = windowReducer(window, { type: "received", events: span(104, 104), keep: "newest" });
    expect([window.from, lastSeqOf(window), window.latestSeq, atTail(window)]).toEqual([91, 102, 102, true]);
  });

  it("reads older pages in front and keeps them only while they join without a gap", () => {
    let window = opened(201, 300);
    window = windowReducer(window, { type: "older", events: span(101, 200) });
    expect([window.from, hasOlder(window)]).toEqual([101, true]);
    expect(windowReducer(window, { type: "older", events: span(1, 50) })).toBe(window);
  });

  it("stays bounded: older pages drop the newest events, live ones the oldest", () => {
    const last = WINDOW_MAX_EVENTS + 400;
    let window = opened(last - WINDOW_MAX_EVENTS + 1, last);
    window = windowReducer(window, {
      type: "older",
      events: span(last - WINDOW_MAX_EVENTS - 199, last - WINDOW_MAX_EVENTS),
    });
    expect(window.events).toHaveLength(WINDOW_MAX_EVENTS);
    expect(window.from).toBe(201);
    expect(atTail(window)).toBe(false);
    // Away from the tail, live events are kept apart, then joined when reading forward reaches them.
    window = windowReducer(window, { type: "received", events: span(last + 1, last + 3), keep: "oldest" });
    expect([lastSeqOf(window), window.latestSeq, window.recent.length]).toEqual([last - 200, last + 3, 3]);
    window = windowReducer(window, { type: "newer", events: span(last - 199, last) });
    expect([lastSeqOf(window), atTail(window), window.events.length]).toEqual([last + 3, true, WINDOW_MAX_EVENTS]);
    window = windowReducer(window, { type: "received", events: span(last + 4, last + 4), keep: "newest" });
    expect(seqsOf(window).at(-1)).toBe(last + 4);
    expect(window.events).toHaveLength(WINDOW_MAX_EVENTS);
  });

  it("goes back to the tail with the run's last page and the live events after it", () => {
    let window = opened(1, 100, 500);
    window = windowReducer(window, { type: "received", events: span(501, 502), keep: "oldest" });
    window = windowReducer(window, { type: "tail", events: span(301, 500) });
    expect([window.from, lastSeqOf(window), atTail(window)]).toEqual([301, 502, true]);
  });

  it("remembers the RunFinished, whichever way it arrived", () => {
    const run = events(...succeededRun());
    const window = windowReducer(emptyWindow, { type: "opened", events: [], from: 1, latestSeq: 0 });
    expect(windowReducer(window, { type: "received", events: run, keep: "newest" }).finish).toBe(run.at(-1));
  });
});

describe("timeline rows", () => {
  it("puts a step's events under its row, and draws a partly visible step as one item", () => {
    const rows = timelineRows({
      events: events(...succeededRun()),
      atTail: true,
      atStart: true,
      summaries: undefined,
      planSteps: undefined,
      toggled: new Map(),
    });
    expect(rows.map((row) => row.key).slice(0, 6)).toEqual(["e1", "sEnsureDevice", "e2", "e3", "e4", "sWarmup"]);
    const blocks = renderedBlocks(rows, 3, 6);
    expect(blocks.map((block) => (block.kind === "step" ? [block.step.key, block.showHeader] : block.row.key))).toEqual(
      [
        ["sEnsureDevice", false],
        ["sWarmup", true],
      ],
    );
    const collapsed = timelineRows({
      events: events(...succeededRun()),
      atTail: true,
      atStart: true,
      summaries: undefined,
      planSteps: undefined,
      toggled: new Map([["EnsureDevice", false]]),
    });
    expect(collapsed.map((row) => row.key).slice(0, 3)).toEqual(["e1", "sEnsureDevice", "sWarmup"]);
  });

  it("finds the row at a scroll position from the rows' heights", () => {
    const offsets = prefixOffsets(["a", "b", "c"], (key) => (key === "b" ? 100 : 10));
    expect(offsets).toEqual([0, 10, 110, 120]);
    expect([indexAt(offsets, -5), indexAt(offsets, 10), indexAt(offsets, 109), indexAt(offsets, 500)]).toEqual([
      0, 1, 1, 2,
    ]);
  });
});
