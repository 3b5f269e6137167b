import { ALL_RUNS, type RunEventFanout } from "./fanout";
import type { InboxItem } from "./inbox";
import type { RunOwners } from "./run-owners";

/**
 * The live tail of one owner's runs' events, for views that list runs. `resync` means some
 * events may have been skipped (the subscriber fell behind or the listener reconnected): refetch
 * the list. Events carry no owner: the instance's shared RunOwners decides what is the caller's.
 */
export async function* streamActivity(
  fanout: RunEventFanout,
  owners: RunOwners,
  ownerId: string,
  signal?: AbortSignal,
): AsyncGenerator<InboxItem> {
  const inbox = fanout.subscribe(ALL_RUNS);
  try {
    for (;;) {
      const item = await inbox.next(signal);
      if (!item) return;
      if (item.kind === "resync" || (await owners.ownerOf(item.event.runId)) === ownerId) yield item;
    }
  } finally {
    inbox.close();
  }
}
