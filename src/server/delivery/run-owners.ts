import { eq, sql } from "drizzle-orm";
import { builtOnce } from "../../db/built-once";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";
import { RunNotFoundError } from "../errors";

// Owners remembered per instance; a run's owner never changes, so entries never go stale.
const CAPACITY = 50_000;

/**
 * Who owns a run, looked up once per instance and shared by every `run.activity` subscriber and
 * every `run.events` attach: events carry no owner, and a thousand subscribers must not each query
 * the run of every event, nor a thousand viewers of one run each its row.
 * Concurrent asks for one run share one query.
 */
export class RunOwners {
  private readonly known = new Map<string, Promise<string | null>>();
  private lookupCount = 0;

  constructor(private readonly db: Db) {}

  /** The run's owner; null for a run that does not exist (then nothing is remembered). */
  ownerOf(runId: string): Promise<string | null> {
    let owner = this.known.get(runId);
    if (!owner) {
      owner = this.lookUp(runId);
      this.keep(runId, owner);
      // A failed or empty lookup is not remembered: the next ask tries again.
      owner.then(
        (found) => found === null && this.known.delete(runId),
        () => this.known.delete(runId),
      );
    }
    return owner;
  }

  /**
   * Remembers the owner of a run this instance just started: its own viewers (the client that
   * started it subscribes next, typically) and the activity subscribers then need no lookup.
   */
  remember(runId: string, ownerId: string): void {
    if (!this.known.has(runId)) this.keep(runId, Promise.resolve(ownerId));
  }

  /**
   * Resolves when `ownerId` owns the run, else NOT_FOUND (another owner's run is no run to them).
   * Ten thousand viewers of a run attaching at once are one query here, not ten thousand queued.
   */
  async requireOwner(runId: string, ownerId: string): Promise<void> {
    if ((await this.ownerOf(runId)) !== ownerId) throw new RunNotFoundError(runId);
  }

  /** Queries made so far (observability, and the test that subscribers share them). */
  get lookups(): number {
    return this.lookupCount;
  }

  /** Remembers a run's owner, forgetting the oldest entry once full. */
  private keep(runId: string, owner: Promise<string | null>): void {
    if (this.known.size >= CAPACITY) this.known.delete(this.known.keys().next().value!);
    this.known.set(runId, owner);
  }

  private async lookUp(runId: string): Promise<string | null> {
    this.lookupCount += 1;
    const [row] = await ownerOfRun(this.db).execute({ runId });
    return row?.ownerId ?? null;
  }
}

const ownerOfRun = builtOnce((db) =>
  db
    .select({ ownerId: runs.ownerId })
    .from(runs)
    .where(eq(runs.id, sql.placeholder("runId")))
    .prepare("owner_of_run"),
);
