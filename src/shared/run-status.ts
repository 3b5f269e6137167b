/** Every status a run can be in; the database column takes its values from this list. */
export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Final states: a run in one never changes again. */
export const TERMINAL_STATUSES = ["succeeded", "failed", "cancelled"] as const satisfies readonly RunStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
export type ActiveStatus = Exclude<RunStatus, TerminalStatus>;

const terminal: ReadonlySet<RunStatus> = new Set(TERMINAL_STATUSES);

export const isTerminal = (status: RunStatus): status is TerminalStatus => terminal.has(status);
export const isActive = (status: RunStatus): status is ActiveStatus => !terminal.has(status);

/** Every event type a run's timeline holds; the database column takes its values from this list. */
export const RUN_EVENT_TYPES = [
  "RunStarted",
  "NodeStarted",
  "DebugTrace",
  "NodeFinished",
  "RunResumed",
  "RunFinished",
] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];
