import { and, eq, sql } from "drizzle-orm";
import { RUN_CANCEL_CHANNEL } from "../../db/channels";
import { runs } from "../../db/schema";
import { isTerminal } from "../../shared/run-status";
import { RunNotFoundError } from "../errors";
import type { RunEventFanout } from "../delivery/fanout";
import type { RunEventInbox } from "../delivery/inbox";
import type { EventLog } from "../events/event-log";
import { findRun } from "./queries";
import type { Run } from "./types";

export interface CancelDeps {
  eventLog: EventLog;
  fanout: RunEventFanout;
  /** Aborts the run here if this instance executes it (the NOTIFY reaches the others). */
  interruptLocal: (runId: string) => void;
  /** How long to wait for a running run's executor to write RunFinished before answering. */
  settleTimeoutMs: number;
}

/**
 * Cancels a run the caller owns (`run` as just read). Queued: finished as cancelled at once.
 * Running: a cancel request is stored (so whichever instance executes it sees it, by NOTIFY or
 * heartbeat) and the executor writes RunFinished; this waits briefly for that so callers usually
 * get the final state. Finished: nothing changes. Returns the run as it then stands.
 */
export async function cancelRun(deps: CancelDeps, run: Run): Promise<Run> {
  const { eventLog } = deps;
  const finishing = deps.fanout.subscribe(run.id);
  try {
    for (let current: Run | null = run; current; current = await findRun(eventLog.db, run.id)) {
      if (isTerminal(current.status)) return current;

      if (current.status === "queued") {
        const cancelled = { status: "cancelled", reason: "user_cancelled" } as const;
        // Null: an executor claimed it meanwhile; the next pass cancels it as a running run.
        if (await eventLog.finish(run.id, cancelled, "api", { status: "queued" })) break;
        continue;
      }

      if (await requestCancel(eventLog, run.id)) {
        deps.interruptLocal(run.id);
        await waitForRunFinished(finishing, deps.settleTimeoutMs);
        break;
      } // else it finished meanwhile
    }
    const final = await findRun(eventLog.db, run.id);
    if (!final) throw new RunNotFoundError(run.id);
    return final;
  } finally {
    finishing.close();
  }
}

/** Stores the cancel request of a running run and notifies its executor; false if it is no longer running. */
function requestCancel(eventLog: EventLog, runId: string): Promise<boolean> {
  return eventLog.db.transaction(async (tx) => {
    const rows = await tx
      .update(runs)
      .set({ cancelRequestedAt: sql`coalesce(${runs.cancelRequestedAt}, now())` })
      .where(and(eq(runs.id, runId), eq(runs.status, "running")))
      .returning({ id: runs.id });
    if (rows.length > 0) await tx.execute(sql`select pg_notify(${RUN_CANCEL_CHANNEL}, ${runId})`);
    return rows.length > 0;
  });
}

async function waitForRunFinished(inbox: RunEventInbox, timeoutMs: number): Promise<void> {
  const timeout = AbortSignal.timeout(timeoutMs);
  for (;;) {
    const item = await inbox.next(timeout);
    if (!item || (item.kind === "event" && item.event.type === "RunFinished")) return;
  }
}
