import { isActive } from "../../../../shared/run-status";
import type { Run, RunEvent, RunStatus } from "../../../_trpc/types";

/** The run's status as of the newest event rendered, so the header moves with the timeline. */
export function currentStatus(run: Run, events: readonly RunEvent[]): RunStatus {
  if (!isActive(run.status)) return run.status;
  const last = events.at(-1);
  if (last?.type === "RunFinished") return last.status ?? "failed";
  return events.length > 0 ? "running" : run.status;
}

export const finishEvent = (events: readonly RunEvent[]): RunEvent | undefined =>
  events.at(-1)?.type === "RunFinished" ? events.at(-1) : undefined;
