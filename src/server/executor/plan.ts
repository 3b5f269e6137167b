import { setTimeout as sleep } from "node:timers/promises";
import { CANONICAL_STEPS, type CanonicalStep } from "../../shared/canonical-plan";

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

// What each canonical step does beyond waiting its step delay.
const canonicalWork: Partial<Record<CanonicalStep, (ctx: NodeContext) => Promise<void>>> = {
  EnsureDevice: (ctx) => ctx.trace("ensureDevice.check"),
};

/** The canonical crawl plan every run executes: 13 events when it succeeds. */
export const canonicalPlan: readonly PlanNode[] = CANONICAL_STEPS.map((name) => ({
  name,
  async run(ctx) {
    await canonicalWork[name]?.(ctx);
    await waitStep(ctx);
  },
}));
