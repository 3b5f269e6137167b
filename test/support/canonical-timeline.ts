import { CANONICAL_STEPS } from "../../src/shared/canonical-plan";

/**
 * A successful run of the canonical plan: its 13 events in order, each by its type and its name,
 * function or status (seq, ts and source aside).
 */
export const CANONICAL_TIMELINE = [
  { type: "RunStarted" },
  ...CANONICAL_STEPS.flatMap((name) => [
    { type: "NodeStarted", name },
    ...(name === "EnsureDevice" ? [{ type: "DebugTrace", fn: "ensureDevice.check" }] : []),
    { type: "NodeFinished", name },
  ]),
  { type: "RunFinished", status: "succeeded" },
];
