import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runs } from "../../db/schema";
import { ALL_RUNS, type RunEventFanout } from "./fanout";
import type { InboxItem } from "./inbox";

/**
 * The live tail of one owner's runs' events, for views that list runs. `resync` means some
 * events may have been skipped (the subscriber fell behind or the listener reconnected): refetch
 * the list. Events carry no owner, so each run id is checked once and remembered.
 */
export async function* streamActivity(
  db: Db,
  fanout: RunEventFanout,
  ownerId: string,
  signal?: AbortSignal,
): AsyncGenerator<InboxItem> {
  const inbox = fanout.subscribe(ALL_RUNS);
  const owned = new Map<string, boolean>();
  const isOwned = async (runId: string) => {
    let mine = owned.get(runId);
    if (mine === undefined) {
      if (owned.size >= 10_000) owned.clear(); // bounded memory on long-lived subscriptions
      const [row] = await db
        .select({ id: runs.id })
        .from(runs)
        .where(and(eq(runs.id, runId), eq(runs.ownerId, ownerId)));
      owned.set(runId, (mine = row !== undefined));
    }
    return mine;
  };
  try {
    for (;;) {
      const item = await inbox.next(signal);
      if (!item) return;
      if (item.kind === "resync" || (await isOwned(item.event.runId))) yield item;
    }
  } finally {
    inbox.close();
  }
}
