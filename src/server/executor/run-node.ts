import type { JsonObject, PlanNode, PlanSettings } from "../../plans/types";
import type { NewEvent, RunEvent } from "../events/types";

export class NodeTimeoutError extends Error {
  constructor(
    readonly node: string,
    timeoutMs: number,
  ) {
    super(`node ${node} exceeded its ${timeoutMs} ms timeout`);
  }
}

/** A trace's data or a node's result, serialized, may hold at most this many bytes... */
export const MAX_NODE_DATA_BYTES = 16 * 1024;
/** ...unless the node raises it (maxResultBytes) up to this, which is also the cap on a run's output. */
export const MAX_RESULT_BYTES = 1024 * 1024;

export class NodeDataTooLargeError extends Error {
  constructor(bytes: number, limit: number) {
    super(`data too large: ${bytes} bytes (at most ${limit})`);
  }
}

/** A copy of a JSON object (undefined for none); too large a one throws, so nothing is written. */
export function checkedData(value: JsonObject | void, limit = MAX_NODE_DATA_BYTES): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json);
  if (bytes > limit) throw new NodeDataTooLargeError(bytes, limit);
  return JSON.parse(json) as JsonObject;
}

/** What a node's result may weigh. */
export const resultLimitOf = (node: PlanNode) => Math.min(node.maxResultBytes ?? MAX_NODE_DATA_BYTES, MAX_RESULT_BYTES);

export interface NodeRun {
  input: unknown;
  settings: PlanSettings;
  results: Record<string, JsonObject>;
  attempt: number;
  /** The server's node timeout, unless the node declares its own. */
  nodeTimeoutMs: number;
  signal: AbortSignal;
  append: (event: Omit<NewEvent, "source">) => Promise<RunEvent | null>;
}

/** Runs one attempt of a node; rejects on timeout or interruption even if the node ignores its signal. */
export async function runNode(node: PlanNode, options: NodeRun): Promise<JsonObject | void> {
  const timeoutMs = node.timeoutMs ?? options.nodeTimeoutMs;
  const nodeController = new AbortController();
  const abortNode = () => nodeController.abort(options.signal.reason);
  options.signal.addEventListener("abort", abortNode, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new NodeTimeoutError(node.name, timeoutMs);
      nodeController.abort(error);
      reject(error);
    }, timeoutMs);
    nodeController.signal.addEventListener("abort", () => reject(asError(nodeController.signal.reason)), {
      once: true,
    });
  });
  // An interruption that landed while NodeStarted was being written fired no event for this node:
  // it starts aborted, else it would run to its end (a cancel heard again is no new abort).
  if (options.signal.aborted) abortNode();
  try {
    // Called at once (a node that resolves before an interruption lands counts as finished); a
    // node that throws synchronously becomes a rejection like any other failure.
    let attempt: Promise<JsonObject | void>;
    try {
      attempt = Promise.resolve(
        node.run({
          signal: nodeController.signal,
          input: options.input,
          results: { ...options.results },
          attempt: options.attempt,
          settings: options.settings,
          trace: async (fn, data) => {
            const checked = checkedData(data);
            await options.append({ type: "DebugTrace", fn, ...(checked ? { data: checked } : {}) });
          },
        }),
      );
    } catch (error) {
      attempt = Promise.reject(asError(error));
    }
    return await Promise.race([attempt, stopped]);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", abortNode);
    stopped.catch(() => {});
  }
}

const asError = (reason: unknown) => (reason instanceof Error ? reason : new Error(String(reason)));
