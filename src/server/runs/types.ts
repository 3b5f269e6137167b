import type { RunRow } from "../../db/schema";
import type { Run } from "@live-runs/client";

/** A run as the API returns it (times are ISO strings): the client package's contract is its definition. */
export type { Run };

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
