import { setTimeout as sleep } from "node:timers/promises";
import type { JsonObject, Plan, PlanNode, PlanSettings } from "../../plans/types";
import type { NewEvent, RunEvent } from "../events/types";
import type { TerminalStatus } from "../../shared/run-status";
import {
  checkedData,
  MAX_RESULT_BYTES,
  NodeDataTooLargeError,
  NodeTimeoutError,
  resultLimitOf,
  runNode,
} from "./run-node";

/**
 * Why a run's signal was aborted from outside the plan: the user cancelled it (it ends
 * cancelled), or this instance stops executing it and it goes on elsewhere: the server is
 * shutting down (the run is handed back) or another instance took its lease.
 */
export type Interruption = "user_cancelled" | "shutdown" | "lease_lost";

export interface RunPlanOptions {
  plan: Plan;
  /** The run's input, validated by the plan's schema. */
  input: unknown;
  settings: PlanSettings;
  nodeTimeoutMs: number;
  /** Aborted with an Interruption as its reason. */
  signal: AbortSignal;
  /** Results of the nodes a previous execution finished, by name, in plan order: they are not run again. */
  completed?: ReadonlyMap<string, JsonObject | null>;
  /** Appends as the executor; null means the run is no longer ours to write (lease lost, finished). */
  append: (event: Omit<NewEvent, "source">) => Promise<RunEvent | null>;
}

interface Outcome {
  status: TerminalStatus;
  reason?: string;
  output?: JsonObject;
}

/**
 * Runs each node in order, appending NodeStarted/NodeFinished (and the node's DebugTraces), and
 * ends with exactly one RunFinished carrying the outcome and, when it succeeded, the plan's output.
 */
export async function runPlan(options: RunPlanOptions): Promise<void> {
  const { plan, append } = options;
  const results: Record<string, JsonObject> = {};
  for (const node of plan.nodes) {
    if (options.completed?.has(node.name)) {
      const data = options.completed.get(node.name);
      if (data) results[node.name] = data;
      continue;
    }
    const result = await executeNode(node, options, results);
    if (result === "lost") return;
    if (result !== "finished") return void (await append({ type: "RunFinished", ...result }));
  }
  await append({ type: "RunFinished", ...succeeded(plan, results, options.input) });
}

/**
 * Runs a node until it finishes or its last attempt fails, retrying after its backoff. "lost":
 * the run is no longer ours to write; an Outcome: the run ends with it.
 */
async function executeNode(
  node: PlanNode,
  options: RunPlanOptions,
  results: Record<string, JsonObject>,
): Promise<"finished" | "lost" | Outcome> {
  const { signal, append } = options;
  const attempts = Math.max(1, node.retry?.attempts ?? 1);
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return outcomeOfInterruption(signal.reason);
    if (!(await append({ type: "NodeStarted", name: node.name, ...(attempt > 1 ? { attempt } : {}) }))) return "lost";
    let data: JsonObject | undefined;
    try {
      data = checkedData(await runNode(node, { ...options, results, attempt }), resultLimitOf(node));
    } catch (error) {
      if (signal.aborted) return outcomeOfInterruption(signal.reason);
      if (attempt >= attempts || error instanceof NodeDataTooLargeError) return outcomeOfFailure(node, error);
      await backoff(node, signal);
      continue;
    }
    if (data) results[node.name] = data;
    return (await append({ type: "NodeFinished", name: node.name, ...(data ? { data } : {}) })) ? "finished" : "lost";
  }
}

function succeeded(plan: Plan, results: Record<string, JsonObject>, input: unknown): Outcome {
  try {
    return { status: "succeeded", output: checkedData(plan.output(results, input), MAX_RESULT_BYTES) ?? {} };
  } catch (error) {
    return { status: "failed", reason: `error:output: ${messageOf(error).slice(0, 500)}` };
  }
}

// Waits out the retry backoff; an interruption meanwhile is seen at the next attempt's check.
const backoff = (node: PlanNode, signal: AbortSignal) =>
  sleep(node.retry?.backoffMs ?? 0, undefined, { signal }).catch(() => {});

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A cancel ends the run; any other interruption leaves it to the instance that goes on with it. */
function outcomeOfInterruption(reason: unknown): Outcome | "lost" {
  return reason === "user_cancelled" ? { status: "cancelled", reason: "user_cancelled" } : "lost";
}

function outcomeOfFailure(node: PlanNode, error: unknown): Outcome {
  if (error instanceof NodeTimeoutError) return { status: "failed", reason: `timeout:${node.name}` };
  return { status: "failed", reason: `error:${messageOf(error).slice(0, 500)}` };
}
