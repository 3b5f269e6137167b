import { sql } from "drizzle-orm";
import { RUN_QUEUED_CHANNEL } from "../../db/channels";
import type { Db } from "../../db/client";

// At most one wake this often: the starts between two wakes are told together. This instance's
// executor is woken directly by the caller; the others hear of a run at most this late (their
// poll, EXECUTOR_POLL_MS, is the backstop).
const WAKE_INTERVAL_MS = 20;

/**
 * Tells every instance's executor that runs were queued, after their starts committed: one NOTIFY
 * for the starts of up to WAKE_INTERVAL_MS, in a transaction of its own that does not wait for
 * its WAL flush. Postgres serialises the commits of notifying transactions (each holds a lock
 * through its flush), so a NOTIFY in the start's own transaction made the starts queue behind each
 * other and behind the appends (half the starts a second, alone: bench/tools/start-cost.ts); one
 * per start after it still took a few per cent of the throughput bench's events a second. This one
 * writes nothing, so not waiting for its flush loses nothing; a wake that is lost (a crash, an
 * outage) is made up by the executors' poll.
 */
export class QueuedRunWakes {
  private pending: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastSentAt = 0;

  constructor(private readonly db: Db) {}

  /** A run was queued (committed): the executors are woken within WAKE_INTERVAL_MS. */
  queued(runId: string): void {
    this.pending = runId;
    if (this.timer) return;
    const waitMs = Math.max(0, this.lastSentAt + WAKE_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => this.send(), waitMs);
  }

  private send(): void {
    const runId = this.pending;
    this.pending = null;
    this.timer = null;
    this.lastSentAt = Date.now();
    this.db
      .execute(sql`select set_config('synchronous_commit', 'off', true), pg_notify(${RUN_QUEUED_CHANNEL}, ${runId})`)
      .catch(() => {
        // The executors' poll finds the run (see above).
      });
  }
}
