import type { RunEvent } from "../../../_trpc/types";

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

type StepDraft = Omit<Step, "state">;

function stepState(step: StepDraft, runEnded: boolean): StepState {
  if (step.finishedAt !== null) return "done";
  if (step.startedAt !== null) return runEnded ? "interrupted" : "running";
  return runEnded ? "skipped" : "pending";
}

/**
 * Groups a run's events by step (NodeStarted … NodeFinished, with the DebugTraces between them)
 * and adds the plan's steps not reached yet, so the page shows where the run is and how long each
 * step took. `planSteps` are the steps of the run's plan (from run.plans); unknown, the steps are
 * the nodes seen in the events. A step started again (a retry, or the run resumed on another
 * instance) keeps its earlier events; a RunResumed during a step belongs to it. Other events stay
 * top-level, in order; RunFinished comes last. `continuing` names the step open before the first
 * event, when the events are a later part of the run.
 */
export function buildTimeline(
  events: readonly RunEvent[],
  planSteps: readonly string[] | undefined,
  continuing?: { name: string; startedAt: number | null },
): Timeline {
  const runEnded = events.at(-1)?.type === "RunFinished";
  const order: ({ kind: "event"; entry: TimelineEvent } | { kind: "step"; name: string })[] = [];
  const groups = new Map<string, StepDraft>();
  let open: StepDraft | null = null;
  if (continuing) {
    open = { name: continuing.name, events: [], startedAt: continuing.startedAt, finishedAt: null };
    groups.set(continuing.name, open);
    order.push({ kind: "step", name: continuing.name });
  }
  let finish: TimelineEvent | null = null;

  for (const [index, event] of events.entries()) {
    const previous = events[index - 1];
    const entry: TimelineEvent = { event, sincePrevious: previous ? event.ts - previous.ts : null };
    if (event.type === "NodeStarted" && event.name) {
      let group = groups.get(event.name);
      if (!group) {
        group = { name: event.name, events: [], startedAt: event.ts, finishedAt: null };
        groups.set(event.name, group);
        order.push({ kind: "step", name: event.name });
      }
      group.finishedAt = null; // started (again): not done until its next NodeFinished
      group.events.push(entry);
      open = group;
    } else if (open && (event.type === "DebugTrace" || event.type === "RunResumed")) {
      open.events.push(entry);
    } else if (open && event.type === "NodeFinished" && event.name === open.name) {
      open.events.push(entry);
      open.finishedAt = event.ts;
      open = null;
    } else if (event.type === "RunFinished") finish = entry;
    else order.push({ kind: "event", entry });
  }

  const notReached = (planSteps ?? []).filter((name) => !groups.has(name));
  const steps = new Map<string, Step>();
  for (const draft of [...groups.values(), ...notReached.map((name) => emptyStep(name))]) {
    steps.set(draft.name, { ...draft, state: stepState(draft, runEnded) });
  }
  const stepOf = (name: string) => steps.get(name)!;
  const items: TimelineItem[] = [
    ...order.map((item): TimelineItem => (item.kind === "step" ? { kind: "step", step: stepOf(item.name) } : item)),
    ...notReached.map((name): TimelineItem => ({ kind: "step", step: stepOf(name) })),
  ];
  if (finish) items.push({ kind: "event", entry: finish });

  const allSteps = [...steps.values()];
  return {
    items,
    steps: allSteps,
    stepsDone: allSteps.filter((step) => step.state === "done").length,
    currentStep: allSteps.find((step) => step.state === "running" || step.state === "interrupted"),
  };
}

const emptyStep = (name: string): StepDraft => ({ name, events: [], startedAt: null, finishedAt: null });
