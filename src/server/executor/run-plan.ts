import type { NewEvent, RunEvent } from "../events/types";
import type { TerminalStatus } from "../../shared/run-status";
import type { PlanNode } from "./plan";

/** Why a run's signal was aborted from outside the plan. */
export type Interruption = "user_cancelled" | "executor_lost";

export class NodeTimeoutError extends Error {
  constructor(
    readonly node: string,
    timeoutMs: number,
  ) {
    super(`node ${node} exceeded its ${timeoutMs} ms timeout`);
  }
}

export interface RunPlanOptions {
  plan: readonly PlanNode[];
  stepDelayMs: number;
  nodeTimeoutMs: number;
  /** Aborted with an Interruption as its reason. */
  signal: AbortSignal;
  /** Appends as the executor; null means the run is no longer ours to write (lease lost, finished). */
  append: (event: Omit<NewEvent, "source">) => Promise<RunEvent | null>;
}

interface Outcome {
  status: TerminalStatus;
  reason?: string;
}

/**
 * Runs each node in order, appending NodeStarted/NodeFinished (and the node's DebugTraces), and
 * ends with exactly one RunFinished carrying the outcome.
 */
export async function runPlan(options: RunPlanOptions): Promise<void> {
  const { plan, signal, append } = options;
  let outcome: Outcome = { status: "succeeded" };
  for (const node of plan) {
    if (signal.aborted) {
      outcome = outcomeOfInterruption(signal.reason);
      break;
    }
    if (!(await append({ type: "NodeStarted", name: node.name }))) return;
    try {
      await runNodeWithTimeout(node, options);
    } catch (error) {
      outcome = signal.aborted ? outcomeOfInterruption(signal.reason) : outcomeOfFailure(node, error);
      break;
    }
    if (!(await append({ type: "NodeFinished", name: node.name }))) return;
  }
  await append({ type: "RunFinished", ...outcome });
}

async function runNodeWithTimeout(node: PlanNode, options: RunPlanOptions): Promise<void> {
  const nodeController = new AbortController();
  const abortNode = () => nodeController.abort(options.signal.reason);
  options.signal.addEventListener("abort", abortNode, { once: true });
  let timer: NodeJS.Timeout | undefined;
  // Rejects on timeout or interruption even if the node ignores its signal.
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new NodeTimeoutError(node.name, options.nodeTimeoutMs);
      nodeController.abort(error);
      reject(error);
    }, options.nodeTimeoutMs);
    nodeController.signal.addEventListener("abort", () => reject(asError(nodeController.signal.reason)), {
      once: true,
    });
  });
  try {
    await Promise.race([
      node.run({
        signal: nodeController.signal,
        stepDelayMs: options.stepDelayMs,
        trace: async (fn) => {
          await options.append({ type: "DebugTrace", fn });
        },
      }),
      stopped,
    ]);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", abortNode);
    stopped.catch(() => {});
  }
}

const asError = (reason: unknown) => (reason instanceof Error ? reason : new Error(String(reason)));

function outcomeOfInterruption(reason: unknown): Outcome {
  return reason === "user_cancelled"
    ? { status: "cancelled", reason: "user_cancelled" }
    : { status: "failed", reason: "executor_lost" };
}

function outcomeOfFailure(node: PlanNode, error: unknown): Outcome {
  if (error instanceof NodeTimeoutError) return { status: "failed", reason: `timeout:${node.name}` };
  const message = error instanceof Error ? error.message : String(error);
  return { status: "failed", reason: `error:${message.slice(0, 500)}` };
}
