import { describe, expect, it } from "vitest";
import { currentStatus as statusOf, finishEvent } from "../../src/app/runs/[runId]/_lib/run-status";
import type { RunEvent } from "../../src/app/_trpc/types";
import type { Run } from "../../src/server/runs/types";
import { isActive, isTerminal, RUN_STATUSES, TERMINAL_STATUSES } from "../../src/shared/run-status";
import { events, run, succeededRun } from "./support/runs";

/** The status as of the newest of these events: its RunFinished, if any, and its seq. */
const currentStatus = (fetched: Run, received: RunEvent[]) =>
  statusOf(fetched, finishEvent(received) ?? null, received.at(-1)?.seq ?? 0);

describe("isTerminal and isActive", () => {
  it("split the statuses: queued and running are active, the rest final", () => {
    expect(RUN_STATUSES.filter(isActive)).toEqual(["queued", "running"]);
    expect(RUN_STATUSES.filter(isTerminal)).toEqual([...TERMINAL_STATUSES]);
    expect(RUN_STATUSES.every((status) => isActive(status) !== isTerminal(status))).toBe(true);
  });
});

describe("currentStatus", () => {
  it("is the fetched status while no event has been rendered", () => {
    expect(currentStatus(run({ status: "queued" }), [])).toBe("queued");
  });

  it("moves a queued run to running with its first event", () => {
    expect(currentStatus(run({ status: "queued" }), events({ type: "RunStarted" }))).toBe("running");
  });

  it("takes the outcome of a rendered RunFinished before the fetched run knows it", () => {
    const cancelled = events({ type: "RunStarted" }, { type: "RunFinished", status: "cancelled" });
    expect(currentStatus(run({ status: "running" }), cancelled)).toBe("cancelled");
    expect(currentStatus(run({ status: "running" }), events(...succeededRun()))).toBe("succeeded");
  });

  it("takes a RunFinished without a status for a failure", () => {
    expect(currentStatus(run({ status: "running" }), events({ type: "RunFinished" }))).toBe("failed");
  });

  it("keeps a final fetched status whatever the rendered events say so far", () => {
    for (const status of TERMINAL_STATUSES) {
      expect(currentStatus(run({ status }), [])).toBe(status);
      expect(
        currentStatus(run({ status }), events({ type: "RunStarted" }, { type: "NodeStarted", name: "Warmup" })),
      ).toBe(status);
    }
  });
});

describe("finishEvent", () => {
  it("is the RunFinished that ends the timeline", () => {
    const all = events(...succeededRun());
    expect(finishEvent(all)).toBe(all.at(-1));
  });

  it("is undefined for no events or a timeline still going", () => {
    expect(finishEvent([])).toBeUndefined();
    expect(finishEvent(events({ type: "RunStarted" }, { type: "NodeStarted", name: "Warmup" }))).toBeUndefined();
  });
});
