import type { RunEvent } from "../../../_trpc/types";
import type { StepSummary } from "./step-overview";
import { buildTimeline, type StepState, type TimelineEvent } from "./timeline-model";

/** A step as one row: its state, times and how many events it has in the whole run. */
export interface StepRow {
  name: string;
  state: StepState;
  startedAt: number | null;
  finishedAt: number | null;
  eventCount: number;
  expanded: boolean;
}

export type TimelineRow =
  /** `step`: the key of the step row it is under, if any. */
  | { kind: "event"; key: string; entry: TimelineEvent; step: string | null }
  | { kind: "step"; key: string; step: StepRow };

/** A step with more events than this starts collapsed to its summary row. */
export const COLLAPSE_OVER_EVENTS = 50;

const summaryStates: Record<StepSummary["status"], StepState> = {
  pending: "pending",
  running: "running",
  done: "done",
  stopped: "interrupted",
  skipped: "skipped",
};

interface RowsInput {
  /** A gap-free part of the run's events. */
  events: readonly RunEvent[];
  /** The part reaches the run's newest event. */
  atTail: boolean;
  /** The part starts at seq 1. */
  atStart: boolean;
  summaries: readonly StepSummary[] | undefined;
  planSteps: readonly string[] | undefined;
  /** Steps the reader opened or closed, by name; the others follow COLLAPSE_OVER_EVENTS. */
  toggled: ReadonlyMap<string, boolean>;
  /** A seq to show: its step opens whatever its size. */
  revealSeq?: number | null;
  /** Every event a row of its own, without steps (a filter's matches, far apart in the run). */
  flat?: boolean;
}

/**
 * The step open before the first event of a later part of the run: the one a leading NodeFinished
 * closes, or, when the part starts no step at all, the last one the run started.
 */
function continuingStep(input: RowsInput): { name: string; startedAt: number | null } | undefined {
  if (input.atStart) return undefined;
  for (const event of input.events) {
    if (event.type === "NodeStarted") return undefined;
    if (event.type === "NodeFinished" && event.name) {
      const summary = input.summaries?.find((step) => step.name === event.name);
      return { name: event.name, startedAt: summary?.startedAt ?? null };
    }
  }
  const last = input.summaries?.findLast((step) => step.startedAt !== null);
  return last ? { name: last.name, startedAt: last.startedAt } : undefined;
}

/**
 * The timeline as flat rows for a windowed list: each step's summary row, followed by its events
 * when expanded, and the events outside steps. States come from the events held when they tell
 * (the step finished among them, or they reach the tail), otherwise from the run's step summary.
 */
export function timelineRows(input: RowsInput): TimelineRow[] {
  const { events, atTail, summaries, toggled } = input;
  if (input.flat)
    return events.map((event, index) => ({
      kind: "event",
      key: `e${event.seq}`,
      entry: { event, sincePrevious: index > 0 ? event.ts - events[index - 1]!.ts : null },
      step: null,
    }));
  // Steps not started yet are listed only at the tail: elsewhere they may well have run.
  const notStarted = summaries
    ? summaries.filter((step) => step.status === "pending" || step.status === "skipped").map((step) => step.name)
    : input.planSteps;
  const timeline = buildTimeline(events, atTail ? notStarted : undefined, continuingStep(input));
  const summaryOf = new Map(summaries?.map((step) => [step.name, step]));
  const rows: TimelineRow[] = [];
  for (const item of timeline.items) {
    if (item.kind === "event") {
      rows.push({ kind: "event", key: `e${item.entry.event.seq}`, entry: item.entry, step: null });
      continue;
    }
    const { step } = item;
    const summary = summaryOf.get(step.name);
    const told = step.finishedAt !== null || atTail || !summary;
    const eventCount = Math.max(summary?.eventCount ?? 0, step.events.length);
    const expanded =
      toggled.get(step.name) ??
      (eventCount <= COLLAPSE_OVER_EVENTS || step.events.some((entry) => entry.event.seq === input.revealSeq));
    const key = `s${step.name}`;
    rows.push({
      kind: "step",
      key,
      step: {
        name: step.name,
        state: told ? step.state : summaryStates[summary.status],
        startedAt: summary?.startedAt ?? step.startedAt,
        finishedAt: told ? step.finishedAt : summary.finishedAt,
        eventCount,
        expanded,
      },
    });
    if (expanded)
      for (const entry of step.events) rows.push({ kind: "event", key: `e${entry.event.seq}`, entry, step: key });
  }
  return rows;
}

export type RenderedBlock =
  | { kind: "event"; row: Extract<TimelineRow, { kind: "event" }> }
  | {
      kind: "step";
      step: Extract<TimelineRow, { kind: "step" }>;
      showHeader: boolean;
      events: Extract<TimelineRow, { kind: "event" }>[];
    };

/**
 * Rows [start, end) as the list draws them: a step's rows inside its item (header, then its events),
 * so a step is one list item however much of it is in view.
 */
export function renderedBlocks(rows: readonly TimelineRow[], start: number, end: number): RenderedBlock[] {
  const blocks: RenderedBlock[] = [];
  let open: Extract<RenderedBlock, { kind: "step" }> | null = null;
  const stepRow = (key: string, from: number) => {
    for (let index = from; index >= 0; index--) {
      const row = rows[index]!;
      if (row.kind === "step" && row.key === key) return row;
    }
    return undefined;
  };
  for (let index = start; index < end; index++) {
    const row = rows[index]!;
    if (row.kind === "step") {
      open = { kind: "step", step: row, showHeader: true, events: [] };
      blocks.push(open);
    } else if (row.step === null) {
      open = null;
      blocks.push({ kind: "event", row });
    } else {
      if (open?.step.key !== row.step) {
        const step = stepRow(row.step, index);
        if (!step) continue;
        open = { kind: "step", step, showHeader: false, events: [] };
        blocks.push(open);
      }
      open.events.push(row);
    }
  }
  return blocks;
}
