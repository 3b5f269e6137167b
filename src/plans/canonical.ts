import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { RUN_START_LIMITS } from "../shared/api";
import { CANONICAL_PLAN, CANONICAL_STEPS, type CanonicalStep } from "../shared/canonical-plan";
import { definePlan, type NodeContext, type PlanNode } from "./types";

/** The canonical plan's input: the run's app path and step delay (its own columns, not `runs.input`). */
export const canonicalInput = z.object({
  appPath: z.string().min(1).max(RUN_START_LIMITS.appPathMaxLength),
  stepDelayMs: z.number().int().min(0).max(RUN_START_LIMITS.stepDelayMsMax),
});
export type CanonicalInput = z.output<typeof canonicalInput>;

const waitStep = (ctx: NodeContext<CanonicalInput>) => sleep(ctx.input.stepDelayMs, undefined, { signal: ctx.signal });

// What each canonical step does beyond waiting its step delay: the first one checks the device.
const [ensureDevice] = CANONICAL_STEPS;
const canonicalWork: Partial<Record<CanonicalStep, (ctx: NodeContext<CanonicalInput>) => Promise<void>>> = {
  [ensureDevice]: (ctx) => ctx.trace("ensureDevice.check"),
};

/** The canonical crawl plan, the default: 13 events when it succeeds, none carrying data. */
export const canonicalPlan = definePlan({
  name: CANONICAL_PLAN,
  title: "Canonical crawl",
  description: "Ensures a device, warms up, opens the app, pings it and tears down, waiting stepDelayMs per step.",
  input: canonicalInput,
  nodes: CANONICAL_STEPS.map((name): PlanNode<CanonicalInput> => ({
    name,
    async run(ctx) {
      await canonicalWork[name]?.(ctx);
      await waitStep(ctx);
    },
  })),
  output: () => ({}),
  target: (input) => input.appPath,
});
