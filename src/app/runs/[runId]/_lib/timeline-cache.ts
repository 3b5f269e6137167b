import type { RunEvent } from "../../../_trpc/types";
import type { StepSummary } from "./step-overview";

// Per tab: a reload resumes from here; another tab reads the run from the server.
const keyFor = (runId: string) => `live-runs:timeline:${runId}`;

/** The newest events kept for a reload: enough to fill the page, never the whole of a long run. */
export const CACHED_EVENTS_MAX = 300;
/** And at most this much of them (events carry data of their own size): the cache stays under ~500 KB. */
const CACHED_EVENTS_MAX_CHARS = 380_000;
/** A step summary larger than this (a plan of thousands of steps) is read from the server again instead. */
const CACHED_STEPS_MAX_CHARS = 100_000;

export interface CachedTimeline {
  /** The newest events the tab held: gap-free and ending at the last one it received. */
  events: RunEvent[];
  steps: StepSummary[] | null;
}

function isGapFree(value: unknown, runId: string): value is RunEvent[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  const first = (value[0] as Partial<RunEvent> | null)?.seq;
  return (
    typeof first === "number" &&
    value.every(
      (event: Partial<RunEvent> | null, index) =>
        typeof event === "object" &&
        event !== null &&
        event.runId === runId &&
        event.seq === first + index &&
        typeof event.type === "string" &&
        typeof event.ts === "number",
    )
  );
}

/** The window this tab last held for the run, or null (none, or not readable). */
export function readCachedTimeline(runId: string): CachedTimeline | null {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(keyFor(runId)) ?? "null") as Partial<CachedTimeline> | null;
    if (!parsed || !isGapFree(parsed.events, runId)) return null;
    return { events: parsed.events, steps: Array.isArray(parsed.steps) ? parsed.steps : null };
  } catch {
    return null;
  }
}

/** The newest events, as JSON, within both bounds. */
function newestJson(events: readonly RunEvent[]): string[] {
  const kept: string[] = [];
  let chars = 0;
  for (let index = events.length - 1; index >= 0 && kept.length < CACHED_EVENTS_MAX; index--) {
    const json = JSON.stringify(events[index]);
    chars += json.length + 1;
    if (chars > CACHED_EVENTS_MAX_CHARS) break;
    kept.push(json);
  }
  return kept.reverse();
}

/** Keeps the newest events (and a small step summary), never the whole of a long run. */
export function writeCachedTimeline(
  runId: string,
  events: readonly RunEvent[],
  steps: readonly StepSummary[] | undefined,
): void {
  const newest = newestJson(events);
  if (newest.length === 0) return;
  const stepsJson = steps ? JSON.stringify(steps) : "null";
  const json = `{"events":[${newest.join(",")}],"steps":${stepsJson.length <= CACHED_STEPS_MAX_CHARS ? stepsJson : "null"}}`;
  try {
    sessionStorage.setItem(keyFor(runId), json);
  } catch {
    // Storage full or disabled: a reload then reads the run's tail from the server instead.
  }
}
