import type { z } from "zod";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** What the deployment lets plans do, from the server's settings. */
export interface PlanSettings {
  /**
   * URL prefixes plans may fetch, each an origin and a path ending in "/": CRAWL_ALLOWED_ORIGINS,
   * or by default the server's own demo app (`<own origin>/demo-app/`).
   */
  fetchAllowed: readonly string[];
}

/** True when `url` is under one of the prefixes plans may fetch. */
export function isFetchAllowed(settings: PlanSettings, url: string): boolean {
  return settings.fetchAllowed.some((prefix) => url.startsWith(prefix));
}

/** What a node receives: its signal, the run's validated input and what earlier nodes returned. */
export interface NodeContext<Input> {
  /** Aborted when the run is cancelled, the node overruns its timeout, or the server stops. */
  signal: AbortSignal;
  input: Input;
  /** Results of the nodes that finished before this one, by node name (nodes that returned nothing are absent). */
  results: Readonly<Record<string, JsonObject>>;
  /** 1 on the first try; one more each time the node is retried. */
  attempt: number;
  /** Appends a DebugTrace event `{ fn, data? }` (data at most 16 KB serialized) to the run's timeline. */
  trace: (fn: string, data?: JsonObject) => Promise<void>;
  settings: PlanSettings;
}

/** A step of a plan. Throwing fails the node: it is retried if it declares `retry`, else the run fails. */
export interface PlanNode<Input = unknown> {
  name: string;
  /** Overrides the server's node timeout. */
  timeoutMs?: number;
  /** Runs the node up to `attempts` times in all, waiting `backoffMs` before each retry. */
  retry?: { attempts: number; backoffMs: number };
  /** Raises the size a result may have (16 KB by default) up to 1 MB, for a node that returns a big one. */
  maxResultBytes?: number;
  /** May return a JSON object (at most 16 KB serialized, or maxResultBytes): its NodeFinished carries it as `data`. */
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
  /**
   * Refuses an input this deployment does not allow (e.g. a URL it may not fetch): run.start
   * answers BAD_REQUEST with the message. Checked after the schema.
   */
  admit?(input: z.output<Schema>, settings: PlanSettings): string | undefined;
  /** The run's `output` (at most 1 MB serialized), from its nodes' results once every node finished. */
  output(results: Readonly<Record<string, JsonObject>>, input: z.output<Schema>): JsonObject;
  /** What the run works on, shown as its `appPath`; "/" when the plan has no target. */
  target?(input: z.output<Schema>): string;
}

/** Types a plan's nodes by its input schema, and keeps its name's literal type (for run.start's typed input). */
export const definePlan = <Schema extends z.ZodType, const Name extends string>(
  plan: Plan<Schema, Name>,
): Plan<Schema, Name> => plan;
