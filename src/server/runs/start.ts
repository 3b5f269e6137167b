import type { EventLog } from "../events/event-log";
import type { NewRun } from "../events/create-run";
import { admitWithinOwnerLimits, type OwnerLimits } from "./limits";
import type { Run } from "./types";

/**
 * Starts a run for its owner unless the owner is over a limit (LimitExceededError). The run is
 * queued with its RunStarted; executors are notified by the database and claim it.
 */
export async function startRun(eventLog: EventLog, run: NewRun, limits: OwnerLimits): Promise<Run> {
  const created = await eventLog.start(run, (tx) => admitWithinOwnerLimits(tx, run.ownerId, limits));
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
