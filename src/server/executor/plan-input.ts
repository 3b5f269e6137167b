import { canonicalPlan } from "../../plans/canonical";
import type { PlanRegistry } from "../../plans/registry";
import type { Plan } from "../../plans/types";
import type { ClaimedRun } from "./leases";

/**
 * The plan a claimed run executes and its input, validated again: the canonical plan's input is
 * the run's own columns. A plan that no longer exists or an input it no longer accepts (the code
 * changed since the run was queued) becomes a plan whose one node fails with the reason.
 */
export function planInputOf(plans: PlanRegistry, run: ClaimedRun): { plan: Plan; input: unknown } {
  const plan = plans.get(run.plan);
  if (!plan) return failing(`unknown plan ${run.plan}`);
  const raw = run.plan === canonicalPlan.name ? { appPath: run.appPath, stepDelayMs: run.stepDelayMs } : run.input;
  const parsed = plan.input.safeParse(raw);
  if (!parsed.success) return failing(`input no longer valid for plan ${run.plan}`);
  return { plan, input: parsed.data };
}

function failing(message: string): { plan: Plan; input: unknown } {
  const plan: Plan = {
    ...canonicalPlan,
    nodes: [
      {
        name: "Validate",
        run: () => Promise.reject(new Error(message)),
      },
    ],
  };
  return { plan, input: null };
}
