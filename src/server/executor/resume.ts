// Where a resumed run picks up. Nodes are at-least-once: the node a lost execution had started
// runs again; the nodes it finished are not repeated, their results are their NodeFinished data.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { queryRows } from "../../db/query";
import type { JsonObject, Plan } from "../../plans/types";
import type { NewEvent, RunEvent } from "../events/types";
import type { ClaimedRun } from "./leases";

/** The executor's append for one execution; null when the run is no longer its to write. */
export type Append = (event: Omit<NewEvent, "source">) => Promise<RunEvent | null>;

/** The nodes to skip, with their results; or why the plan can no longer go on from where the run stopped. */
export type ResumePoint = { completed: Map<string, JsonObject | null> } | { problem: string };

/** The run's node starts and finishes, in seq order. */
export async function readNodeHistory(db: Db, runId: string): Promise<NodeEvent[]> {
  return queryRows<NodeEvent>(
    db,
    sql`select type, name, data from run_events
        where run_id = ${runId} and type in ('NodeStarted', 'NodeFinished') order by seq`,
  );
}

export interface NodeEvent {
  type: "NodeStarted" | "NodeFinished";
  name: string;
  data: JsonObject | null;
}

/**
 * The finished nodes must be the plan's first nodes, in order, and the node that was running (if
 * any) must be the plan's next one; otherwise the plan changed under the run (a deploy) and it
 * cannot be resumed faithfully.
 */
export function resumePoint(plan: Plan, history: readonly NodeEvent[]): ResumePoint {
  const completed = new Map<string, JsonObject | null>();
  let started: string | undefined;
  for (const event of history) {
    if (event.type === "NodeStarted") {
      started = event.name;
      continue;
    }
    const expected = plan.nodes[completed.size]?.name;
    if (event.name !== expected)
      return { problem: `plan_changed: plan ${plan.name} no longer has node ${event.name} here` };
    completed.set(event.name, event.data);
    started = undefined;
  }
  const next = plan.nodes[completed.size]?.name;
  if (started !== undefined && started !== next)
    return { problem: `plan_changed: plan ${plan.name} no longer has node ${started} here` };
  return { completed };
}

/**
 * Opens a resumed run's new execution with RunResumed and returns the nodes already finished;
 * null when the run ended instead: its cancel was requested (cancel wins over resume), it lost
 * its last allowed execution, or its plan changed so that it cannot go on.
 */
export async function openResumedExecution(options: {
  db: Db;
  run: ClaimedRun & Required<Pick<ClaimedRun, "resumed">>;
  plan: Plan;
  maxRunAttempts: number;
  append: Append;
}): Promise<Map<string, JsonObject | null> | null> {
  const { db, run, plan, append } = options;
  const { reason, executorLosses, cancelRequested } = run.resumed;
  const end = async (status: "failed" | "cancelled", why: string) => {
    await append({ type: "RunFinished", status, reason: why });
    return null;
  };
  if (cancelRequested) return end("cancelled", "user_cancelled");
  if (reason === "executor_lost" && executorLosses >= options.maxRunAttempts) return end("failed", "executor_lost");
  const point = resumePoint(plan, await readNodeHistory(db, run.id));
  if ("problem" in point) return end("failed", point.problem);
  if (!(await append({ type: "RunResumed", attempt: run.attempt, reason }))) return null;
  return point.completed;
}
