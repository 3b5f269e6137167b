import type { Db } from "../db/client";
import { purgeExpiredViewTokens } from "./auth/view-tokens";
import { purgePublishedOutbox } from "./delivery/outbox-purge";
import type { Logger } from "./log";
import { purgeFinishedRuns } from "./runs/retention";
import { WakeLoop } from "./wake-loop";

export interface RetentionSettings {
  /** How often the janitor looks for rows to delete. */
  intervalMs: number;
  /** Published outbox rows are deleted this long after publication. */
  outboxKeepMs: number;
  /** Finished runs are deleted this many days after they finished; 0 keeps them forever. */
  runRetentionDays: number;
  /** Rows deleted per statement: small, so no statement holds locks for long. */
  batchSize: number;
}

// Statements per kind per pass: a pass ends even if more is due (the next one continues).
const MAX_BATCHES_PER_PASS = 20;

/**
 * Keeps the tables bounded: deletes published outbox rows, view tokens a day past their expiry and,
 * when configured, old finished runs.
 */
export class Janitor {
  private readonly loop: WakeLoop;

  constructor(
    private readonly db: Db,
    private readonly settings: RetentionSettings,
    private readonly counters: { outboxRowsPurged: (count: number) => void; runsPurged: (count: number) => void },
    log: Logger,
  ) {
    this.loop = new WakeLoop({
      work: () => this.pass(),
      pollMs: settings.intervalMs,
      onError: (error) => log.error({ err: error }, "retention pass failed; will retry"),
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass now (tests), resolved once it is done. */
  async runOnce(): Promise<void> {
    await this.loop.settled();
    await this.pass();
  }

  private async pass(): Promise<void> {
    const { outboxKeepMs, runRetentionDays, batchSize } = this.settings;
    await this.inBatches(() => purgePublishedOutbox(this.db, outboxKeepMs, batchSize), this.counters.outboxRowsPurged);
    await this.inBatches(
      () => purgeExpiredViewTokens(this.db, batchSize),
      () => {},
    );
    if (runRetentionDays > 0) {
      await this.inBatches(() => purgeFinishedRuns(this.db, runRetentionDays, batchSize), this.counters.runsPurged);
    }
  }

  private async inBatches(purge: () => Promise<number>, count: (purged: number) => void): Promise<void> {
    for (let batch = 0; batch < MAX_BATCHES_PER_PASS; batch++) {
      const purged = await purge();
      if (purged > 0) count(purged);
      if (purged < this.settings.batchSize) return;
    }
  }
}
