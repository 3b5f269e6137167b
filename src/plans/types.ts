import type { z } from "zod";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** What a node receives: its signal, the run's validated input and what earlier nodes returned. */
export interface NodeContext<Input> {
  /** Aborted when the run is cancelled, the node overruns its timeout, or the server stops. */
  signal: AbortSignal;
  input: Input;
  /** Results of the nodes that finished before this one, by node name (nodes that returned nothing are absent). */
  results: Readonly<Record<string, JsonObject>>;
  /** 1 on the first try; one more each time the node is retried. */
  attempt: number;
  /** Appends a DebugTrace event `{ fn, data? }` to the run's timeline. */
  trace: (fn: string, data?: JsonObject) => Promise<void>;
}

/** A step of a plan. Throwing fails the node: it is retried if it declares `retry`, else the run fails. */
export interface PlanNode<Input = unknown> {
  name: string;
  /** Overrides the server's node timeout. */
  timeoutMs?: number;
  /** Runs the node up to `attempts` times in all, waiting `backoffMs` before each retry. */
  retry?: { attempts: number; backoffMs: number };
  /** May return a JSON object (at most 16 KB serialized): its NodeFinished carries it as `data`. */
  run(ctx: NodeContext<Input>): Promise<JsonObject | void> | JsonObject | void;
}

/** A plan: one module under src/plans, registered by name in registry.ts. */
export interface Plan<Schema extends z.ZodType = z.ZodType, Name extends string = string> {
  name: Name;
  title: string;
  description: string;
  /** Validates run.start's `input` for this plan. */
  input: Schema;
  nodes: readonly PlanNode<z.output<Schema>>[];
  /** The run's `output`, from its nodes' results once every node finished. */
  output(results: Readonly<Record<string, JsonObject>>, input: z.output<Schema>): JsonObject;
  /** What the run works on, shown as its `appPath`; "/" when the plan has no target. */
  target?(input: z.output<Schema>): string;
}

/** Types a plan's nodes by its input schema, and keeps its name's literal type (for run.start's typed input). */
export const definePlan = <Schema extends z.ZodType, const Name extends string>(
  plan: Plan<Schema, Name>,
): Plan<Schema, Name> => plan;
