import type { Run, RunEvent, RunStatus } from "../_trpc/types";

/** What the activity stream has told us about a run since the list was fetched. */
export interface LiveRunPatch {
  lastSeq: number;
  status: RunStatus;
  startedAt: string | null;
  finishedAt: string | null;
}

export type LiveRunPatches = Readonly<Record<string, LiveRunPatch>>;

export function applyActivityEvent(patches: LiveRunPatches, event: RunEvent): LiveRunPatches {
  const previous = patches[event.runId];
  const at = new Date(event.ts).toISOString();
  if (previous && event.seq <= previous.lastSeq) {
    // A run's first append publishes its RunStarted ahead of its own event; one published by the
    // outbox poller instead (an instance of an earlier release executing it) may come after them,
    // and still tells when the run started.
    if (event.type !== "RunStarted" || previous.startedAt !== null) return patches;
    return { ...patches, [event.runId]: { ...previous, startedAt: at } };
  }
  const finished = event.type === "RunFinished";
  return {
    ...patches,
    [event.runId]: {
      lastSeq: event.seq,
      status: finished ? (event.status ?? "failed") : "running",
      startedAt: event.type === "RunStarted" ? at : (previous?.startedAt ?? null),
      finishedAt: finished ? at : (previous?.finishedAt ?? null),
    },
  };
}

/**
 * The fresher of the fetched run and its live patch, judged by seq: a refetch that started
 * before the latest events must not roll the row back, and a newer fetch wins over old patches.
 */
export function withLivePatch(run: Run, patch: LiveRunPatch | undefined): Run {
  if (!patch || patch.lastSeq <= run.lastSeq) return run;
  return {
    ...run,
    status: patch.status,
    lastSeq: patch.lastSeq,
    startedAt: run.startedAt ?? patch.startedAt,
    finishedAt: run.finishedAt ?? patch.finishedAt,
  };
}
