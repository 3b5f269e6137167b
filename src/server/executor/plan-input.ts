import { canonicalPlan } from "../../plans/canonical";
import type { PlanRegistry } from "../../plans/registry";
import type { Plan } from "../../plans/types";
import type { ClaimedRun } from "./leases";

/**
 * The plan a claimed run executes and its input, validated again: the canonical plan's input is
 * the run's own columns. A plan that no longer exists or an input it no longer accepts (the code
 * changed since the run was queued) is a problem the run fails with.
 */
export function planInputOf(
  plans: PlanRegistry,
  run: ClaimedRun,
): { plan: Plan; input: unknown } | { problem: string } {
  const plan = plans.get(run.plan);
  if (!plan) return { problem: `plan_changed: unknown plan ${run.plan}` };
  const raw = run.plan === canonicalPlan.name ? { appPath: run.appPath, stepDelayMs: run.stepDelayMs } : run.input;
  const parsed = plan.input.safeParse(raw);
  if (!parsed.success) return { problem: `plan_changed: input no longer valid for plan ${run.plan}` };
  return { plan, input: parsed.data };
}
