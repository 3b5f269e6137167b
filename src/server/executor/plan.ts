import { setTimeout as sleep } from "node:timers/promises";

export interface NodeContext {
  /** Aborted when the run is cancelled, the node overruns its timeout, or the server stops. */
  signal: AbortSignal;
  stepDelayMs: number;
  /** Appends a DebugTrace event to the run's timeline. */
  trace(fn: string): Promise<void>;
}

/** A step of a plan: an async function that honours its signal. Throwing fails the run. */
export interface PlanNode {
  name: string;
  run(ctx: NodeContext): Promise<void>;
}

const waitStep = (ctx: NodeContext) => sleep(ctx.stepDelayMs, undefined, { signal: ctx.signal });

/** The canonical crawl plan every run executes: 13 events when it succeeds. */
export const canonicalPlan: readonly PlanNode[] = [
  {
    name: "EnsureDevice",
    async run(ctx) {
      await ctx.trace("ensureDevice.check");
      await waitStep(ctx);
    },
  },
  { name: "Warmup", run: waitStep },
  { name: "OpenApp", run: waitStep },
  { name: "Ping", run: waitStep },
  { name: "Teardown", run: waitStep },
];
