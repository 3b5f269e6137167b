import type { Run, RunEvent } from "@live-runs/client";
import { CANONICAL_PLAN } from "../shared/canonical-plan";

/** What an event is about: its node (and attempt, when retried), function, outcome or resume. */
function detailOf(event: RunEvent): string {
  if (event.type === "RunResumed") {
    const where = event.reason === "shutdown" ? "after a server restart" : "on another instance";
    return `resumed ${where}${event.attempt ? `, attempt ${event.attempt}` : ""}`;
  }
  if (event.type === "NodeStarted" && event.name && event.attempt && event.attempt > 1) {
    return `${event.name} (attempt ${event.attempt})`;
  }
  return event.name ?? event.fn ?? [event.status, event.reason].filter(Boolean).join(" ");
}

/** One timeline line: seq, time, type and what the event is about. */
export function formatEvent(event: RunEvent, previousTs: number | null): string {
  const time = new Date(event.ts).toISOString().slice(11, 23);
  const delta = previousTs === null ? "" : `+${event.ts - previousTs}ms`;
  return `${String(event.seq).padStart(4)}  ${time} ${delta.padStart(9)}  ${event.type.padEnd(13)} ${detailOf(event)}`;
}

/** `nodesDone` out of `total` nodes as a bar `width` characters wide; never more than full. */
export function progressBar(nodesDone: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.round((nodesDone / total) * width)) : 0;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${nodesDone}/${total} nodes`;
}

/**
 * A run's node progress as its events arrive: the nodes finished, each counted once (a retried or
 * resumed node starts again but finishes once), out of the steps of the run's plan (from
 * run.plans) or, for a plan the server did not describe, out of the nodes seen so far.
 */
export class NodeProgress {
  private readonly seen = new Set<string>();
  private readonly finished = new Set<string>();

  constructor(private readonly planSteps: readonly string[] | undefined) {}

  add(event: RunEvent): void {
    if (!event.name || (event.type !== "NodeStarted" && event.type !== "NodeFinished")) return;
    this.seen.add(event.name);
    if (event.type === "NodeFinished") this.finished.add(event.name);
  }

  get done(): number {
    return this.finished.size;
  }

  get total(): number {
    return this.planSteps ? this.planSteps.length : this.seen.size;
  }

  bar(width = 20): string {
    return progressBar(this.done, this.total, width);
  }
}

export function formatRunRow(run: Run): string {
  const when = (iso: string | null) => (iso ? iso.replace("T", " ").slice(0, 19) : "-".padEnd(19));
  return `${run.id}  ${run.status.padEnd(9)}  ${String(run.lastSeq).padStart(6)}  ${when(run.createdAt)}  ${when(run.finishedAt)}  ${run.appPath}`;
}

export const RUN_TABLE_HEADER = `${"id".padEnd(36)}  ${"status".padEnd(9)}  ${"events".padStart(6)}  ${"created".padEnd(19)}  ${"finished".padEnd(19)}  app path`;

/** `runs get`: one field a line, the plan's input and output as JSON. */
export function formatRunDetails(run: Run): string {
  const fields: [string, unknown][] = [
    ["id", run.id],
    ["status", run.status],
    ["plan", run.plan],
    ["input", run.plan === CANONICAL_PLAN ? { appPath: run.appPath, stepDelayMs: run.stepDelayMs } : run.input],
    ["attempt", run.attempt],
    ["events", run.lastSeq],
    ["created", run.createdAt],
    ["started", run.startedAt ?? "-"],
    ["finished", run.finishedAt ?? "-"],
    ["output", run.output ?? "-"],
  ];
  return fields
    .map(([name, value]) => `${`${name}:`.padEnd(10)}${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join("\n");
}
