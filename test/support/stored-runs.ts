import { and, eq, inArray } from "drizzle-orm";
import { expect } from "vitest";
import type { Db } from "../../src/db/client";
import { runs } from "../../src/db/schema";
import { readEventsAfter } from "../../src/server/events/read";
import type { RunEvent } from "../../src/server/events/types";
import { CANONICAL_STEPS } from "../../src/shared/canonical-plan";
import { awaitCondition } from "./await";
import { range, seqs } from "./fixture";

/** The instance holding a run's lease, once one claimed it. */
export async function awaitLeaseOwner(db: Db, runId: string): Promise<string> {
  let owner: string | null = null;
  await awaitCondition(async () => {
    const [row] = await db.select({ owner: runs.leaseOwner }).from(runs).where(eq(runs.id, runId));
    owner = row?.owner ?? null;
    return owner !== null;
  }, `run ${runId} to be claimed`);
  return owner!;
}

/** Waits until none of the runs is queued or running any more. */
export async function awaitRunsEnded(db: Db, runIds: string[], timeoutMs: number): Promise<void> {
  let open = runIds.length;
  await awaitCondition(
    async () => {
      const active = await db
        .select({ id: runs.id })
        .from(runs)
        .where(and(inArray(runs.id, runIds), inArray(runs.status, ["queued", "running"])));
      open = active.length;
      return open === 0;
    },
    `${runIds.length} runs to end`,
    timeoutMs,
    () => `${open} still queued or running`,
  );
}

export const storedEvents = (db: Db, runId: string) => readEventsAfter(db, runId, 0, 100_000);

/**
 * What a resumed canonical run's timeline must be: seq contiguous from 1, every step finished
 * exactly once and in order (a node may start more than once: at-least-once), one RunFinished, last.
 */
export function expectFaithfulTimeline(events: RunEvent[], status: RunEvent["status"] = "succeeded"): void {
  expect(seqs(events)).toEqual(range(1, events.length));
  const finishedNodes = events.filter((e) => e.type === "NodeFinished").map((e) => e.name);
  if (status === "succeeded") expect(finishedNodes).toEqual([...CANONICAL_STEPS]);
  else expect(new Set(finishedNodes).size).toBe(finishedNodes.length);
  expect(events.filter((e) => e.type === "RunFinished")).toHaveLength(1);
  expect(events.at(-1)).toMatchObject({ type: "RunFinished", status });
}

export const resumesOf = (events: RunEvent[]) =>
  events.filter((e) => e.type === "RunResumed").map(({ attempt, reason }) => ({ attempt, reason }));
