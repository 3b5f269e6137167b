import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runEvents, runOutbox, runs } from "../../db/schema";
import { RUN_QUEUED_CHANNEL } from "../channels";
import { toRun, type Run } from "./types";

export interface StartRunInput {
  appPath: string;
  stepDelayMs: number;
}

/**
 * Creates a queued run and its RunStarted (seq 1) in one transaction, and notifies every
 * instance's executor that there is work. Returns the run as stored.
 */
export async function startRun(db: Db, input: StartRunInput): Promise<Run> {
  return db.transaction(async (tx) => {
    const [run] = await tx.insert(runs).values({ ...input, lastSeq: 1 }).returning();
    await tx.insert(runEvents).values({ runId: run!.id, seq: 1, ts: Date.now(), type: "RunStarted", source: "api" });
    await tx.insert(runOutbox).values({ runId: run!.id, seq: 1 });
    await tx.execute(sql`select pg_notify(${RUN_QUEUED_CHANNEL}, ${run!.id})`);
    return toRun(run!);
  });
}
