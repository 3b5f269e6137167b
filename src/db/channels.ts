// LISTEN/NOTIFY channels shared by every instance on one database. Payloads are hints; the
// tables stay the source of truth.

/** Payload: a run id. Wakes executors to claim queued runs. */
export const RUN_QUEUED_CHANNEL = "live_runs_queued";
/** Payload: a run id. The instance executing that run aborts it. */
export const RUN_CANCEL_CHANNEL = "live_runs_cancel";
/** Payload: JSON array of published RunEvents (kept under the 8000-byte NOTIFY cap). */
export const RUN_EVENTS_CHANNEL = "live_runs_events";
