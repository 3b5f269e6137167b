import type { Run, RunEvent } from "../client";
import { CANONICAL_STEPS } from "../shared/canonical-plan";

/** One timeline line: seq, time, type and what the event is about. */
export function formatEvent(event: RunEvent, previousTs: number | null): string {
  const time = new Date(event.ts).toISOString().slice(11, 23);
  const delta = previousTs === null ? "" : `+${event.ts - previousTs}ms`;
  const detail = event.name ?? event.fn ?? [event.status, event.reason].filter(Boolean).join(" ");
  return `${String(event.seq).padStart(4)}  ${time} ${delta.padStart(9)}  ${event.type.padEnd(13)} ${detail}`;
}

/** Nodes done out of the plan's `total` (the canonical plan's unless given); never more than full. */
export function progressBar(nodesDone: number, width = 20, total: number = CANONICAL_STEPS.length): string {
  const filled = total > 0 ? Math.min(width, Math.round((nodesDone / total) * width)) : width;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${nodesDone}/${total} nodes`;
}

export function formatRunRow(run: Run): string {
  const when = (iso: string | null) => (iso ? iso.replace("T", " ").slice(0, 19) : "-".padEnd(19));
  return `${run.id}  ${run.status.padEnd(9)}  ${String(run.lastSeq).padStart(6)}  ${when(run.createdAt)}  ${when(run.finishedAt)}  ${run.appPath}`;
}

export const RUN_TABLE_HEADER = `${"id".padEnd(36)}  ${"status".padEnd(9)}  ${"events".padStart(6)}  ${"created".padEnd(19)}  ${"finished".padEnd(19)}  app path`;
