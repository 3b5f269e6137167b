import type { RunEvent } from "../../../_trpc/types";

/** A RunResumed in words: where the run went on, and which execution of it this is. */
export function resumedLabel(event: RunEvent): string {
  const where = event.reason === "shutdown" ? "Resumed after a server restart" : "Resumed on another instance";
  return event.attempt ? `${where} — attempt ${event.attempt}` : where;
}

/** What an event is about: its node, function, outcome or, for a resume, what happened. */
export function eventDetail(event: RunEvent): string {
  if (event.type === "DebugTrace") return event.fn ?? "";
  if (event.type === "RunFinished") return [event.status, event.reason].filter(Boolean).join(" · ");
  if (event.type === "RunResumed") return resumedLabel(event);
  return event.name ?? "";
}

/** The attempt of a retried node's NodeStarted (2, 3, …); null on a first attempt or another event. */
export const retryAttempt = (event: RunEvent): number | null =>
  event.type === "NodeStarted" && event.attempt !== undefined && event.attempt > 1 ? event.attempt : null;

/** A JSON value on one line, cut to `max` characters with an ellipsis. */
export function compactJson(value: unknown, max = 80): string {
  const json = JSON.stringify(value) ?? "";
  return json.length <= max ? json : `${json.slice(0, max - 1)}…`;
}
