import { TRPCError } from "@trpc/server";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";
import { RUN_CANCEL_CHANNEL } from "../channels";
import type { RunEventFanout } from "../outbox/fanout";
import type { RunEventInbox } from "../outbox/inbox";
import { appendEvent } from "./append";
import { findRun } from "./queries";
import { isTerminal, type Run } from "./types";

export interface CancelDeps {
  db: Db;
  fanout: RunEventFanout;
  /** Publishes appended events at once. */
  onAppended: () => void;
  /** Aborts the run here if this instance executes it (the NOTIFY reaches the others). */
  interruptLocal: (runId: string) => void;
  /** How long to wait for a running run's executor to write RunFinished before answering. */
  settleTimeoutMs: number;
}

/**
 * Cancels a run. Queued: finished as cancelled at once. Running: a cancel request is stored (so
 * whichever instance executes it sees it, by NOTIFY or heartbeat) and the executor writes
 * RunFinished; this waits briefly for that so callers usually get the final state. Finished:
 * nothing changes. Returns the run as it then stands.
 */
export async function cancelRun(deps: CancelDeps, runId: string): Promise<Run> {
  const finishing = deps.fanout.subscribe(runId);
  try {
    for (;;) {
      const run = await findRun(deps.db, runId);
      if (!run) throw new TRPCError({ code: "NOT_FOUND", message: `run ${runId} not found` });
      if (isTerminal(run.status)) return run;

      if (run.status === "queued") {
        const finished = await appendEvent(
          deps.db,
          runId,
          { type: "RunFinished", source: "api", status: "cancelled", reason: "user_cancelled" },
          { status: "queued" },
        );
        if (!finished) continue; // an executor claimed it meanwhile: cancel it as a running run
        deps.onAppended();
        return (await findRun(deps.db, runId))!;
      }

      const requested = await deps.db.transaction(async (tx) => {
        const rows = await tx
          .update(runs)
          .set({ cancelRequestedAt: sql`coalesce(${runs.cancelRequestedAt}, now())` })
          .where(and(eq(runs.id, runId), eq(runs.status, "running")))
          .returning({ id: runs.id });
        if (rows.length > 0) await tx.execute(sql`select pg_notify(${RUN_CANCEL_CHANNEL}, ${runId})`);
        return rows.length > 0;
      });
      if (!requested) continue; // it finished meanwhile
      deps.interruptLocal(runId);
      await waitForRunFinished(finishing, deps.settleTimeoutMs);
      return (await findRun(deps.db, runId))!;
    }
  } finally {
    finishing.close();
  }
}

async function waitForRunFinished(inbox: RunEventInbox, timeoutMs: number): Promise<void> {
  const timeout = AbortSignal.timeout(timeoutMs);
  for (;;) {
    const item = await inbox.next(timeout);
    if (!item || (item.kind === "event" && item.event.type === "RunFinished")) return;
  }
}
