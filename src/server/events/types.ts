import type { RunEventType, TerminalStatus } from "../../shared/run-status";

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
  /** A node's result (NodeFinished) or a trace's details (DebugTrace). */
  data?: Record<string, unknown>;
  /** NodeStarted of a retried node: which attempt this is (2, 3, …). */
  attempt?: number;
}

/** An event to append: the log assigns its run, seq and time. */
export type NewEvent = Omit<RunEvent, "runId" | "seq" | "ts" | "v"> & {
  /** Set on RunFinished of a succeeded run: stored as the run's output by the same statement. */
  output?: Record<string, unknown>;
};

type OptionalFields = { [K in "name" | "fn" | "status" | "reason" | "data" | "attempt"]?: RunEvent[K] | null };

/** Copies the optional fields that are present: stored rows hold null where a field is absent. */
export function withOptionalFields(event: RunEvent, fields: OptionalFields): RunEvent {
  if (fields.name != null) event.name = fields.name;
  if (fields.fn != null) event.fn = fields.fn;
  if (fields.status != null) event.status = fields.status;
  if (fields.reason != null) event.reason = fields.reason;
  if (fields.data != null) event.data = fields.data;
  if (fields.attempt != null) event.attempt = fields.attempt;
  return event;
}
