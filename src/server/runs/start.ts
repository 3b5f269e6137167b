import type { EventLog } from "../events/event-log";
import type { NewRun } from "../events/create-run";
import { admitRun, type RunLimits } from "./limits";
import type { Run } from "./types";

/**
 * Starts a run for its owner unless a limit refuses it (LimitExceededError): the owner's, the
 * client address's when the owner is anonymous (`createdByAddress`), or the queue's. The run is
 * queued with its RunStarted; executors are notified by the database and claim it.
 */
export async function startRun(eventLog: EventLog, run: NewRun, limits: RunLimits): Promise<Run> {
  const starter = { ownerId: run.ownerId, anonymousAddress: run.createdByAddress ?? null };
  const created = await eventLog.start(run, (tx) => admitRun(tx, starter, limits));
  return {
    id: created.id,
    status: "queued",
    appPath: run.appPath,
    stepDelayMs: run.stepDelayMs,
    lastSeq: 1,
    createdAt: created.createdAt.toISOString(),
    startedAt: null,
    finishedAt: null,
  };
}
