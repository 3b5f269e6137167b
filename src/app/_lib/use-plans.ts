import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../_trpc/react";
import type { PlanInfo } from "../_trpc/types";

/**
 * The server's plans (run.plans): their titles, steps and input JSON Schemas. Plans are defined in
 * code, so they are read once per page load. They go on a request of their own, so a page's other
 * calls (a run's run.get) neither wait for them nor share their fate. A page the server rendered
 * with them passes them in.
 */
export function usePlans(initialData?: PlanInfo[]) {
  const trpc = useTRPC();
  return useQuery(
    trpc.run.plans.queryOptions(undefined, {
      staleTime: Infinity,
      initialData,
      trpc: { context: { skipBatch: true } },
    }),
  );
}

/** The plan a run executes, when the server described it; undefined for a plan unknown to it. */
export const findPlan = (plans: readonly PlanInfo[] | undefined, name: string): PlanInfo | undefined =>
  plans?.find((plan) => plan.name === name);
