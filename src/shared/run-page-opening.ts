// What a run's page opens with, read by the server while it renders the page, so the first HTML
// already shows the run and the newest events (no round trip after the scripts load). The server
// (src/server/http/page-openings.ts) and the page (src/app/runs/[runId]) meet here: the page may
// not import server modules, so the server hands it a reader for the request being rendered.
import type { PlanInfo, Run, RunEvent, StepSummary } from "@live-runs/client";

/** `Event` is the contract's RunEvent for the page; the server builds it from its own (the same JSON). */
export interface RunPageOpening<Event = RunEvent> {
  run: Run;
  plans: PlanInfo[];
  steps: StepSummary[];
  /** Gap-free and ascending: the run's newest events, or those around a deep-linked seq. */
  events: Event[];
}

/** Reads the opening of `runId` as the request's caller may see it; null when it cannot (not theirs, an outage). */
export type ReadRunPageOpening<Event = RunEvent> = (
  runId: string,
  focusSeq: number | null,
) => Promise<RunPageOpening<Event> | null>;

/** The reader of the request being rendered, if the server that renders it gave one. */
export interface PageOpenings {
  current(): ReadRunPageOpening | undefined;
}

/** Where the server puts its PageOpenings: the pages are bundled apart from the server, so they meet on globalThis. */
export const PAGE_OPENINGS_KEY = Symbol.for("live-runs.page-openings");

/** Events the page is rendered with: enough to fill the timeline, not a whole page of them twice in the HTML. */
export const OPENING_EVENTS = 50;
/** Events on each side of a deep-linked seq. */
export const OPENING_EVENTS_AROUND = 100;
