import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";
import { ConflictError } from "../errors";
import type { EventLog } from "../events/event-log";
import type { NewRun } from "../events/create-run";
import { admissionOf, limitExceeded, type RunLimits } from "./limits";
import { toRun, type Run } from "./types";

export type StartRequest = Omit<NewRun, "request" | "plan" | "input"> & {
  plan: string;
  input: Record<string, unknown> | null;
  /** The caller's key for this start: a retry with the same key returns the same run. */
  requestKey?: string | undefined;
};

/**
 * Starts a run for its owner unless a limit refuses it (LimitExceededError): the owner's, the
 * client address's when the owner is anonymous (`createdByAddress`), or the queue's. The run is
 * queued with its RunStarted; executors are notified by the database and claim it.
 *
 * With a requestKey the start is idempotent per owner: a retry (even one racing the first call)
 * returns the run the key created, whatever limits say now; the same key with a different input
 * is a ConflictError.
 */
export async function startRun(eventLog: EventLog, start: StartRequest, limits: RunLimits): Promise<Run> {
  const { requestKey, ...run } = start;
  const request = requestKey ? { key: requestKey, fingerprint: fingerprintOf(run) } : null;
  const outcome = await eventLog.start({ ...run, request }, admissionOf(limits));
  if ("repeat" in outcome) return runOfRequest(eventLog.db, run.ownerId, request!);
  if ("refused" in outcome) throw limitExceeded(outcome.refused, limits);
  const { created } = outcome;
  return {
    id: created.id,
    status: "queued",
    plan: run.plan,
    input: run.input,
    output: null,
    attempt: 1,
    appPath: run.appPath,
    stepDelayMs: run.stepDelayMs,
    lastSeq: 1,
    createdAt: created.createdAt.toISOString(),
    startedAt: null,
    finishedAt: null,
  };
}

/** What makes two starts the same request: their input, as the run will use it. */
function fingerprintOf(run: Omit<StartRequest, "ownerId" | "requestKey">): string {
  // The canonical plan's fingerprint stays what it was before plans, so keys of queued runs keep matching.
  const input =
    run.input === null ? [run.appPath, run.stepDelayMs] : [run.appPath, run.stepDelayMs, run.plan, run.input];
  return createHash("sha256").update(JSON.stringify(input)).digest("base64url");
}

async function runOfRequest(db: Db, ownerId: string, request: { key: string; fingerprint: string }): Promise<Run> {
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.ownerId, ownerId), eq(runs.requestKey, request.key)));
  if (!row) throw new Error(`run of request key ${request.key} vanished`);
  if (row.requestFingerprint !== request.fingerprint) {
    throw new ConflictError(`requestKey ${request.key} was already used for a run with a different input`);
  }
  return toRun(row);
}
