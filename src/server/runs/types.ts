import type { RunEventType, RunRow, RunStatus, TerminalStatus } from "../../db/schema";

export type EventSource = "api" | "worker" | "outbox";

/** One entry of a run's timeline, as stored and as streamed by `run.events`. */
export interface RunEvent {
  runId: string;
  seq: number;
  /** Epoch milliseconds. */
  ts: number;
  type: RunEventType;
  v: 1;
  source: EventSource;
  name?: string;
  fn?: string;
  status?: TerminalStatus;
  reason?: string;
}

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

export type { RunStatus, TerminalStatus };

const terminal: ReadonlySet<RunStatus> = new Set(["succeeded", "failed", "cancelled"]);

export const isTerminal = (status: RunStatus): boolean => terminal.has(status);

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
