import { asc, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runEvents, runOutbox } from "../../db/schema";
import { RUN_EVENTS_CHANNEL } from "../channels";
import type { Logger } from "../log";
import { toRunEvent, type RunEvent } from "../runs/types";

// NOTIFY payloads are capped at 8000 bytes; leave room for multi-byte characters.
const MAX_NOTIFY_PAYLOAD_BYTES = 7000;

export interface OutboxPollerOptions {
  db: Db;
  pollMs: number;
  batchSize: number;
  log: Logger;
  /** Called after each committed batch with the events it published (metrics). */
  onPublished?: (events: RunEvent[]) => void;
}

/**
 * Publishes run_outbox rows: claims unpublished rows with FOR UPDATE SKIP LOCKED (so several
 * instances share the work), sets published_at and NOTIFYs the events in the same transaction,
 * so an event is announced exactly when it is marked published. Woken right after each local
 * append, with a polling backstop for rows another (possibly dead) instance left behind.
 */
export class OutboxPoller {
  private timer: NodeJS.Timeout | null = null;
  private cycle: Promise<void> | null = null;
  private again = false;
  private running = false;

  constructor(private readonly options: OutboxPollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.wake();
  }

  /** Publishes everything pending soon; calls made while a cycle runs coalesce into one more cycle. */
  wake(): void {
    if (!this.running) return;
    if (this.cycle) {
      this.again = true;
      return;
    }
    this.cycle = this.publishUntilEmpty()
      .catch((error: unknown) => this.options.log.error({ err: error }, "outbox publish failed; will retry"))
      .finally(() => {
        this.cycle = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Waits until every row that was unpublished when called has been published. */
  async drain(): Promise<void> {
    await this.cycle;
    while ((await this.publishBatch()) > 0);
  }

  /** Stops polling, then finishes the cycle in flight so nothing is claimed and left half-done. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.cycle;
  }

  get isRunning(): boolean {
    return this.running;
  }

  private async publishUntilEmpty(): Promise<void> {
    while (this.running && (await this.publishBatch()) === this.options.batchSize);
  }

  /** Publishes one batch; returns how many rows it claimed. */
  async publishBatch(): Promise<number> {
    const published = await this.options.db.transaction(async (tx) => {
      const claimed = await tx
        .select({ outboxId: runOutbox.id, event: runEvents })
        .from(runOutbox)
        .innerJoin(runEvents, sql`${runEvents.runId} = ${runOutbox.runId} and ${runEvents.seq} = ${runOutbox.seq}`)
        .where(isNull(runOutbox.publishedAt))
        .orderBy(asc(runOutbox.id))
        .limit(this.options.batchSize)
        .for("update", { of: runOutbox, skipLocked: true });
      if (claimed.length === 0) return [];
      const ids = claimed.map((row) => row.outboxId);
      await tx.update(runOutbox).set({ publishedAt: sql`now()` }).where(inArray(runOutbox.id, ids));
      const events = claimed.map((row) => toRunEvent(row.event));
      const payloads = chunkPayloads(events);
      await tx.execute(
        sql`select pg_notify(${RUN_EVENTS_CHANNEL}, payload) from unnest(array[${sql.join(
          payloads.map((p) => sql`${p}`),
          sql`, `,
        )}]::text[]) as payload`,
      );
      return events;
    });
    if (published.length > 0) this.options.onPublished?.(published);
    return published.length;
  }
}

/** Splits events into JSON arrays that each fit one NOTIFY payload. */
function chunkPayloads(events: RunEvent[]): string[] {
  const payloads: string[] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const event of events) {
    const json = JSON.stringify(event);
    const size = Buffer.byteLength(json) + 1;
    if (current.length > 0 && bytes + size > MAX_NOTIFY_PAYLOAD_BYTES) {
      payloads.push(`[${current.join(",")}]`);
      current = [];
      bytes = 2;
    }
    current.push(json);
    bytes += size;
  }
  if (current.length > 0) payloads.push(`[${current.join(",")}]`);
  return payloads;
}
