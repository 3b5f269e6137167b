import type { EventLog } from "../events/event-log";
import type { RunLimits } from "./limits";
import { requireOwnedRun } from "./queries";
import { startRun } from "./start";
import type { Run } from "./types";

/** Starts a new run of the same plan with the same input as one of the owner's runs (RunNotFoundError otherwise). */
export async function rerun(
  eventLog: EventLog,
  starter: { ownerId: string; createdByAddress: string | null },
  runId: string,
  limits: RunLimits,
): Promise<Run> {
  const run = await requireOwnedRun(eventLog.db, runId, starter.ownerId);
  const { plan, input, appPath, stepDelayMs } = run;
  return startRun(eventLog, { ...starter, plan, input, appPath, stepDelayMs }, limits);
}
