import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../../../_trpc/types";
import type { StepState, Timeline } from "./timeline-model";

export type StepSummary = inferRouterOutputs<AppRouter>["run"]["steps"][number];

/** What the header and the outcome say about the steps: each one's state, how many are done, where the run is. */
export interface StepsOverview {
  steps: { name: string; state: StepState }[];
  stepsDone: number;
  /** The step running now, or the one the run ended in. */
  currentStep: { name: string; state: StepState } | undefined;
}

const states: Record<StepSummary["status"], StepState> = {
  pending: "pending",
  running: "running",
  done: "done",
  stopped: "interrupted",
  skipped: "skipped",
};

export function overviewOfSummaries(summaries: readonly StepSummary[]): StepsOverview {
  const steps = summaries.map((step) => ({ name: step.name, state: states[step.status] }));
  return {
    steps,
    stepsDone: steps.filter((step) => step.state === "done").length,
    currentStep: steps.find((step) => step.state === "running" || step.state === "interrupted"),
  };
}

/**
 * From the events when the page holds all of them (exact, and as soon as they arrive), else from
 * the run's step summary (which a long run's page reads instead of every event).
 */
export function stepsOverview(
  whole: Timeline | null,
  summaries: readonly StepSummary[] | undefined,
): StepsOverview | null {
  if (whole) return whole;
  return summaries ? overviewOfSummaries(summaries) : null;
}
