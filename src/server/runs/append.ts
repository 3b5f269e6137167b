import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runEvents, runOutbox, runs, type RunEventType } from "../../db/schema";
import { toRunEvent, type EventSource, type RunEvent, type TerminalStatus } from "./types";

export interface NewEvent {
  type: RunEventType;
  source: EventSource;
  name?: string;
  fn?: string;
  status?: TerminalStatus;
  reason?: string;
}

/** What must still hold for the append to go ahead: the run's status and, for executors, their lease. */
export interface AppendGuard {
  status: "queued" | "running";
  leaseOwner?: string;
}

/**
 * Appends one event and its outbox row in one transaction. The UPDATE that reserves the next seq
 * takes the run's row lock, so per-run commit order equals seq order; seq is never minted in
 * memory. A RunFinished event also moves the run to its terminal status in the same statement.
 * Returns null when the guard no longer holds (the run finished, or the lease moved elsewhere).
 */
export async function appendEvent(db: Db, runId: string, event: NewEvent, guard: AppendGuard): Promise<RunEvent | null> {
  return db.transaction(async (tx) => {
    const finish = event.type === "RunFinished" && event.status ? { status: event.status, finishedAt: sql`now()` } : {};
    const [reserved] = await tx
      .update(runs)
      .set({ lastSeq: sql`${runs.lastSeq} + 1`, ...finish })
      .where(
        and(
          eq(runs.id, runId),
          eq(runs.status, guard.status),
          guard.leaseOwner === undefined ? undefined : eq(runs.leaseOwner, guard.leaseOwner),
        ),
      )
      .returning({ seq: runs.lastSeq });
    if (!reserved) return null;
    const [row] = await tx
      .insert(runEvents)
      .values({ runId, seq: reserved.seq, ts: Date.now(), ...event })
      .returning();
    await tx.insert(runOutbox).values({ runId, seq: reserved.seq });
    return toRunEvent(row!);
  });
}
