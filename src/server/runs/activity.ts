import { ALL_RUNS, type RunEventFanout } from "../outbox/fanout";
import type { InboxItem } from "../outbox/inbox";

/**
 * The live tail of every run's events, for views that list runs. `resync` means some events may
 * have been skipped (the subscriber fell behind or the listener reconnected): refetch the list.
 */
export async function* streamActivity(fanout: RunEventFanout, signal?: AbortSignal): AsyncGenerator<InboxItem> {
  const inbox = fanout.subscribe(ALL_RUNS);
  try {
    for (;;) {
      const item = await inbox.next(signal);
      if (!item) return;
      yield item;
    }
  } finally {
    inbox.close();
  }
}
