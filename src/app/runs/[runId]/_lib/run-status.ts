import { isActive } from "../../../../shared/run-status";
import type { Run, RunEvent, RunStatus } from "../../../_trpc/types";

/** The run's status as of the newest event received, so the header moves with the timeline. */
export function currentStatus(run: Run, finish: RunEvent | null, latestSeq: number): RunStatus {
  if (!isActive(run.status)) return run.status;
  if (finish) return finish.status ?? "failed";
  return latestSeq > 0 ? "running" : run.status;
}

/** The RunFinished that ends these events, if they end the run. */
export const finishEvent = (events: readonly RunEvent[]): RunEvent | undefined =>
  events.at(-1)?.type === "RunFinished" ? events.at(-1) : undefined;
