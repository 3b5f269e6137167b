import type { EventLog } from "../events/event-log";
import type { Logger } from "../log";
import { appendThroughOutages } from "./append-through-outages";
import type { ClaimedRun } from "./leases";
import type { Append } from "./resume";

/**
 * The append of one execution of a run: it is the run's only writer while it holds the lease, so
 * it knows the next seq, and every append is guarded by its lease, its attempt and that seq. A
 * refused append means the run is no longer this execution's: `onLost` stops it.
 *
 * One append at a time, in call order: each is guarded by the seq the previous one got, so a
 * RunFinished written while an aborted node's trace is still in flight waits for it (else its
 * guard is stale, it is refused, and the run is left running with nobody writing it).
 */
export function executionWriter(options: {
  run: ClaimedRun;
  eventLog: EventLog;
  instanceId: string;
  leaseMs: number;
  log: Logger;
  onLost: () => void;
}): Append {
  const { run, eventLog, instanceId, leaseMs, log, onLost } = options;
  const { id: runId, attempt } = run;
  let lastSeq = run.lastSeq;
  const appendNext: Append = async (event) => {
    const guard = { leaseOwner: instanceId, attempt, afterSeq: lastSeq };
    const appended = await appendThroughOutages(eventLog, runId, { ...event, source: "worker" }, guard, leaseMs);
    if (!appended) {
      log.warn({ runId, attempt }, "run is no longer this execution's to write; stopping it");
      onLost();
      return null;
    }
    lastSeq = appended.seq;
    const fields = { runId, seq: appended.seq, type: appended.type };
    if (appended.type === "RunFinished")
      log.info({ ...fields, status: appended.status, reason: appended.reason }, "run finished");
    else log.debug(fields, "event appended");
    return appended;
  };
  let previous: Promise<unknown> = Promise.resolve();
  return (event) => {
    const appended = previous.then(() => appendNext(event));
    previous = appended.catch(() => {});
    return appended;
  };
}
