import type { RunRow } from "../../db/schema";
import type { RunStatus } from "../../shared/run-status";

/** A run as the API returns it (times are ISO strings). */
export interface Run {
  id: string;
  status: RunStatus;
  /** The plan it executes (src/plans), e.g. "canonical". */
  plan: string;
  /** Its input as the plan validated it; null for the canonical plan, whose input is appPath and stepDelayMs. */
  input: Record<string, unknown> | null;
  /** What the plan computed from its nodes' results; null until the run succeeded. */
  output: Record<string, unknown> | null;
  /** Which execution of the run this is: 1, one more each time it was resumed. */
  attempt: number;
  appPath: string;
  stepDelayMs: number;
  lastSeq: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    status: row.status,
    plan: row.plan,
    input: row.input ?? null,
    output: row.output ?? null,
    attempt: row.attempt,
    appPath: row.appPath,
    stepDelayMs: row.stepDelayMs,
    lastSeq: row.lastSeq,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
