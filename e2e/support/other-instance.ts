import { existsSync, readFileSync } from "node:fs";
import { and, eq, sql } from "drizzle-orm";
import { openDatabase, type Database } from "../../src/db/client";
import { runs } from "../../src/db/schema";
import { appendEvent } from "../../src/server/events/append";
import { readEventsAfter } from "../../src/server/events/read";
import type { NewEvent, RunEvent } from "../../src/server/events/types";
import { databaseUrlFile } from "./server-settings";

const INSTANCE_ID = "e2e-other-instance";

/**
 * A second server instance on the e2e server's database, played by the spec: it takes a running
 * run's lease over, as an instance does once the lease of the one executing the run lapsed, and
 * appends the run's events as that instance through the project's own append statement. The e2e
 * server's executor then finds its own appends refused (its lease is gone) and stops, like the
 * instance it stands for; its outbox publishes what this one appends, live, to the pages.
 */
export class OtherInstance {
  private constructor(private readonly database: Database) {}

  /** Null when the e2e server runs on PGlite, which no other process can open. */
  static connect(baseURL: string | undefined): OtherInstance | null {
    const file = databaseUrlFile(new URL(baseURL ?? "http://127.0.0.1:3217").port);
    if (!existsSync(file)) return null;
    const url = readFileSync(file, "utf8").trim();
    return new OtherInstance(openDatabase({ kind: "postgres", url, poolMax: 2 }));
  }

  /** Takes the lease of a running run over and counts a new attempt of it; returns that attempt. */
  async takeOver(runId: string): Promise<number> {
    const [taken] = await this.database.db
      .update(runs)
      .set({
        leaseOwner: INSTANCE_ID,
        leaseExpiresAt: sql`now() + interval '60 seconds'`,
        attempt: sql`${runs.attempt} + 1`,
      })
      .where(and(eq(runs.id, runId), eq(runs.status, "running")))
      .returning({ attempt: runs.attempt });
    if (!taken) throw new Error(`run ${runId} is not running`);
    return taken.attempt;
  }

  /** Appends as the instance holding the lease; throws if the append was refused. */
  async append(runId: string, event: Omit<NewEvent, "source">): Promise<RunEvent> {
    const appended = await appendEvent(
      this.database.db,
      runId,
      { ...event, source: "worker" },
      {
        status: "running",
        leaseOwner: INSTANCE_ID,
      },
    );
    if (!appended) throw new Error(`append of ${event.type} to run ${runId} was refused`);
    return appended;
  }

  /** The run's stored events. */
  events(runId: string): Promise<RunEvent[]> {
    return readEventsAfter(this.database.db, runId, 0, 1_000);
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
