import type { RunEvent } from "../../../_trpc/types";
import { CANONICAL_STEPS } from "../../../../shared/canonical-plan";

/** pending: not reached yet; skipped: the run ended before it; interrupted: the run ended during it. */
export type StepState = "pending" | "running" | "done" | "interrupted" | "skipped";

export interface TimelineEvent {
  event: RunEvent;
  /** Milliseconds since the previous event; null for the first. */
  sincePrevious: number | null;
}

export interface Step {
  name: string;
  state: StepState;
  events: TimelineEvent[];
  startedAt: number | null;
  finishedAt: number | null;
}

export type TimelineItem = { kind: "event"; entry: TimelineEvent } | { kind: "step"; step: Step };

export interface Timeline {
  items: TimelineItem[];
  steps: Step[];
  stepsDone: number;
  /** The step running now, or the one the run ended in. */
  currentStep: Step | undefined;
}

function stepState(step: Omit<Step, "state">, runEnded: boolean): StepState {
  if (step.finishedAt !== null) return "done";
  if (step.startedAt !== null) return runEnded ? "interrupted" : "running";
  return runEnded ? "skipped" : "pending";
}

/**
 * Groups a run's events by step (NodeStarted … NodeFinished, with the DebugTraces between them)
 * and adds the canonical plan's steps not reached yet, so the page shows where the run is and how long
 * each step took. RunStarted and RunFinished stay top-level.
 */
export function buildTimeline(events: readonly RunEvent[]): Timeline {
  const runEnded = events.at(-1)?.type === "RunFinished";
  const items: TimelineItem[] = [];
  const groups = new Map<string, Omit<Step, "state">>();
  let open: Omit<Step, "state"> | null = null;
  let finish: TimelineEvent | null = null;

  for (const [index, event] of events.entries()) {
    const previous = events[index - 1];
    const entry: TimelineEvent = { event, sincePrevious: previous ? event.ts - previous.ts : null };
    if (event.type === "NodeStarted" && event.name) {
      open = { name: event.name, events: [entry], startedAt: event.ts, finishedAt: null };
      groups.set(event.name, open);
    } else if (open && (event.type === "DebugTrace" || (event.type === "NodeFinished" && event.name === open.name))) {
      open.events.push(entry);
      if (event.type === "NodeFinished") {
        open.finishedAt = event.ts;
        open = null;
      }
    } else if (event.type === "RunFinished") finish = entry;
    else items.push({ kind: "event", entry });
  }

  const steps: Step[] = [
    ...[...groups.values()],
    ...CANONICAL_STEPS.filter((name) => !groups.has(name)).map((name) => ({
      name,
      events: [],
      startedAt: null,
      finishedAt: null,
    })),
  ].map((step) => ({ ...step, state: stepState(step, runEnded) }));
  items.push(...steps.map((step) => ({ kind: "step" as const, step })));
  if (finish) items.push({ kind: "event", entry: finish });

  return {
    items,
    steps,
    stepsDone: steps.filter((step) => step.state === "done").length,
    currentStep: steps.find((step) => step.state === "running" || step.state === "interrupted"),
  };
}
