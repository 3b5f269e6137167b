import type { RunEvent } from "../../../_trpc/types";

// Per tab: a reload resumes from here; another tab reads the run from the server.
const keyFor = (runId: string) => `live-runs:timeline:${runId}`;

function isTimelinePrefix(value: unknown, runId: string): value is RunEvent[] {
  return (
    Array.isArray(value) &&
    value.every(
      (event: Partial<RunEvent> | null, index) =>
        typeof event === "object" &&
        event !== null &&
        event.runId === runId &&
        event.seq === index + 1 &&
        typeof event.type === "string" &&
        typeof event.ts === "number",
    )
  );
}

/** The events this tab last rendered for the run: a gap-free prefix starting at seq 1, or none. */
export function readCachedTimeline(runId: string): RunEvent[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(keyFor(runId)) ?? "[]");
    return isTimelinePrefix(parsed, runId) ? parsed : [];
  } catch {
    return [];
  }
}

export function writeCachedTimeline(runId: string, events: readonly RunEvent[]): void {
  try {
    sessionStorage.setItem(keyFor(runId), JSON.stringify(events));
  } catch {
    // Storage full or disabled: a reload then reads the whole timeline from the server instead.
  }
}
