import type { Db } from "../../db/client";
import { isDatabaseUnavailable } from "../../db/errors";
import { appendEvent, type AppendGuard } from "./append";
import { appendBatch, type BatchedAppend } from "./append-batch";
import type { StartsAnnounced } from "./publication-sql";
import type { NewEvent, RunEvent } from "./types";

// Appends in one statement at most: the statement's JSON parameter stays well under a megabyte.
const MAX_BATCH = 256;
// Batch statements in flight at once. An append that publishes NOTIFYs, and Postgres serialises
// the commits of notifying transactions (a lock held to the end of the commit, WAL flush
// included), so batches sent while one commits only queue behind it holding pooled connections;
// kept back instead, they join into the next batch, which the commit's wait then pays for once.
// Two rather than one: the next batch does its row work while the previous one flushes.
const MAX_IN_FLIGHT = 2;

interface Waiting extends BatchedAppend {
  resolve(event: RunEvent | null): void;
  reject(error: unknown): void;
}

/**
 * Group commit of appends: the appends asked for during one turn of the event loop (the runs whose
 * previous append was answered in the same read from the database, typically) go to Postgres as
 * one statement and one commit, instead of one each. The batch is sent at the end of the turn
 * (setImmediate), so an append alone waits for nothing and takes the single-run statement.
 *
 * While MAX_IN_FLIGHT batches are committing, new appends wait for one of them to finish and go
 * in the next batch together: under load the batches grow instead of queueing.
 *
 * Each caller gets its own answer. A run appears once per batch (its later appends go in the next
 * one, in order). A refused guard is that append's null, not the batch's failure; if the batch
 * statement fails as a whole (a trigger's refusal, a conflict), nothing of it was committed, and
 * each append is tried again on its own, so it fails only the appends that fail alone. A lost
 * connection fails them all with its error: the batch may have committed, and the caller's retry
 * (appendThroughOutages) finds out for its own run.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private batchCount = 0;
  private inFlight = 0;

  /** `publish`: each statement also publishes what it appended (see publication-sql.ts). */
  constructor(
    private readonly db: Db,
    private readonly publish = true,
    private readonly startsAnnounced?: StartsAnnounced,
  ) {}

  append(runId: string, event: NewEvent, guard: AppendGuard): Promise<RunEvent | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ runId, event, guard, ts: Date.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Statements sent so far, single or batched (observability, and the tests that batches form). */
  get batches(): number {
    return this.batchCount;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight >= MAX_IN_FLIGHT) return;
    const batch: Waiting[] = [];
    const later: Waiting[] = [];
    const runs = new Set<string>();
    for (const append of this.waiting) {
      if (batch.length < MAX_BATCH && !runs.has(append.runId)) {
        runs.add(append.runId);
        batch.push(append);
      } else later.push(append);
    }
    this.waiting = later;
    if (later.length > 0) this.schedule();
    if (batch.length === 0) return;
    this.inFlight += 1;
    void this.commit(batch).finally(() => {
      this.inFlight -= 1;
      if (this.waiting.length > 0) this.schedule();
    });
  }

  private async commit(batch: Waiting[]): Promise<void> {
    this.batchCount += 1;
    if (batch.length === 1) return this.commitAlone(batch[0]!);
    let results: (RunEvent | null)[];
    try {
      results = await appendBatch(this.db, batch, this.publish, this.startsAnnounced);
    } catch (error) {
      if (isDatabaseUnavailable(error)) for (const append of batch) append.reject(error);
      else await Promise.all(batch.map((append) => this.commitAlone(append)));
      return;
    }
    batch.forEach((append, ix) => append.resolve(results[ix] ?? null));
  }

  private async commitAlone(append: Waiting): Promise<void> {
    try {
      const { runId, event, guard, ts } = append;
      append.resolve(await appendEvent(this.db, runId, event, guard, ts, this.publish, this.startsAnnounced));
    } catch (error) {
      append.reject(error);
    }
  }
}
