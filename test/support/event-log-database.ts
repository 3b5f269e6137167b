import { afterAll, beforeAll } from "vitest";
import type { Database } from "../../src/db/client";
import { applyMigrations } from "../../src/db/migrate";
import type { NewRun } from "../../src/server/events/create-run";
import { EventLog } from "../../src/server/events/event-log";
import { createTestDatabase, type TestDatabase } from "./test-database";

/**
 * A fresh migrated database and an EventLog on it, with no server around them (no outbox to wake,
 * no metrics), for tests of the statements themselves. Fields are set before the file's tests run.
 */
export function useEventLogDatabase(): { db: Database["db"]; log: EventLog } {
  const store = {} as { db: Database["db"]; log: EventLog };
  let database: TestDatabase;
  let handle: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    handle = database.open();
    await applyMigrations(handle);
    store.db = handle.db;
    store.log = new EventLog(handle.db, {
      outbox: { wake() {} },
      metrics: { eventAppended() {}, runFinished() {}, runResumed() {} },
    });
  });
  afterAll(async () => {
    await handle.close();
    await database.drop();
  });
  return store;
}

/** Starts a run with no limits and returns it; fails the test if it was not created. */
export async function startQueuedRun(log: EventLog, run: NewRun): Promise<{ id: string; createdAt: Date }> {
  const outcome = await log.start(run);
  if (!("created" in outcome)) throw new Error(`run not created: ${JSON.stringify(outcome)}`);
  return outcome.created;
}
