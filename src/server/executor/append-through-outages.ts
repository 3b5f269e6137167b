import { setTimeout as sleep } from "node:timers/promises";
import { isDatabaseUnavailable } from "../../db/errors";
import type { EventLog } from "../events/event-log";
import { readEventsAfter } from "../events/read";
import type { NewEvent, RunEvent } from "../events/types";

// Longest pause between tries while the database is unreachable.
const MAX_PAUSE_MS = 1_000;

/**
 * The executor's append: while the database is unreachable it is tried again, for as long as the
 * lease could still be ours (`giveUpAfterMs`), instead of abandoning the run at the first
 * connection error. Each try is guarded by the run's last seq as this executor knows it, and
 * before a retry it checks whether the failed try committed after all (an answer lost with its
 * connection): so an event is appended exactly once. Null when the run is no longer this
 * executor's to write (lease lost, finished).
 */
export async function appendThroughOutages(
  eventLog: EventLog,
  runId: string,
  event: NewEvent,
  guard: { leaseOwner: string; attempt: number; afterSeq: number },
  giveUpAfterMs: number,
): Promise<RunEvent | null> {
  const giveUpAt = Date.now() + giveUpAfterMs;
  let failed = false;
  for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS)) {
    try {
      if (failed) {
        const committed = await committedEarlier(eventLog, runId, event, guard.afterSeq);
        if (committed) return committed;
      }
      return await eventLog.append(runId, event, { status: "running", ...guard });
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() >= giveUpAt) throw error;
      failed = true;
      await sleep(pauseMs);
    }
  }
}

/** The event at afterSeq + 1 if it is this one: a try whose answer was lost did commit. */
async function committedEarlier(
  eventLog: EventLog,
  runId: string,
  event: NewEvent,
  afterSeq: number,
): Promise<RunEvent | null> {
  const [stored] = await readEventsAfter(eventLog.db, runId, afterSeq, 1);
  const same =
    stored !== undefined &&
    stored.seq === afterSeq + 1 &&
    stored.type === event.type &&
    stored.name === event.name &&
    stored.fn === event.fn &&
    stored.status === event.status &&
    stored.reason === event.reason;
  return same ? stored : null;
}
