import type { RunRow } from "../../db/schema";
import type { RunStatus } from "../../shared/run-status";

/** A run as the API returns it (times are ISO strings). */
export interface Run {
  id: string;
  status: RunStatus;
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
    appPath: row.appPath,
    stepDelayMs: row.stepDelayMs,
    lastSeq: row.lastSeq,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
