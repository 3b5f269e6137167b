import { ALL_RUNS, type RunEventFanout } from "./fanout";
import { type InboxItem, RunEventInbox } from "./inbox";
import type { RunOwners } from "./run-owners";

/**
 * Events one activity subscriber may fall behind by before it is told to resync instead: the
 * events are shared objects, so a full queue holds only references (8 KB per thousand).
 */
const SUBSCRIBER_CAPACITY = 1_000;

/**
 * The live tail of one owner's runs' events, for views that list runs. `resync` means some
 * events may have been skipped (the subscriber fell behind or the listener reconnected): refetch
 * the list. Events carry no owner: the instance's ActivityHub decides whose each one is, once.
 */
export async function* streamActivity(
  fanout: RunEventFanout,
  owners: RunOwners,
  ownerId: string,
  signal?: AbortSignal,
): AsyncGenerator<InboxItem> {
  const inbox = hubOf(fanout, owners).subscribe(ownerId);
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

// One hub per fan-out (per instance; tests run several in one process).
const hubs = new WeakMap<RunEventFanout, ActivityHub>();

/** The open activity subscriptions of the instance whose fan-out this is (observability, tests). */
export function activitySubscriberCount(fanout: RunEventFanout): number {
  return hubs.get(fanout)?.subscriberCount ?? 0;
}

function hubOf(fanout: RunEventFanout, owners: RunOwners): ActivityHub {
  let hub = hubs.get(fanout);
  if (!hub) hubs.set(fanout, (hub = new ActivityHub(fanout, owners)));
  return hub;
}

/**
 * Reads every published event once for all of the instance's activity subscribers, decides whose
 * run it is (one shared lookup per run), and queues it for that owner's subscribers only. So an
 * event costs the same however many subscriptions other owners hold: a thousand subscriptions of
 * one owner are not woken by anyone else's events, and each only wakes for its own owner's.
 * It listens only while someone subscribes.
 */
class ActivityHub {
  private readonly subscribers = new Map<string, Set<RunEventInbox>>();
  private source: RunEventInbox | null = null;

  constructor(
    private readonly fanout: RunEventFanout,
    private readonly owners: RunOwners,
  ) {}

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.subscribers.values()) count += set.size;
    return count;
  }

  subscribe(ownerId: string): RunEventInbox {
    const inbox = new RunEventInbox(SUBSCRIBER_CAPACITY, (closed) => this.unsubscribe(ownerId, closed));
    let set = this.subscribers.get(ownerId);
    if (!set) this.subscribers.set(ownerId, (set = new Set()));
    set.add(inbox);
    if (!this.source) {
      this.source = this.fanout.subscribe(ALL_RUNS);
      void this.pump(this.source);
    }
    return inbox;
  }

  private unsubscribe(ownerId: string, inbox: RunEventInbox): void {
    const set = this.subscribers.get(ownerId);
    set?.delete(inbox);
    if (set?.size === 0) this.subscribers.delete(ownerId);
    if (this.subscribers.size === 0) {
      this.source?.close();
      this.source = null;
    }
  }

  /** Hands `source`'s events on, in order, until it is closed (or replaced by a later one). */
  private async pump(source: RunEventInbox): Promise<void> {
    for (;;) {
      const item = await source.next();
      if (!item || this.source !== source) return;
      if (item.kind === "resync") {
        this.resyncAll();
        continue;
      }
      let ownerId: string | null;
      try {
        ownerId = await this.owners.ownerOf(item.event.runId);
      } catch {
        // Whose it was is unknown (the database did not answer): everyone refetches.
        ownerId = null;
        this.resyncAll();
      }
      if (this.source !== source) return;
      const set = ownerId === null ? undefined : this.subscribers.get(ownerId);
      if (set) for (const inbox of set) inbox.push(item.event);
    }
  }

  private resyncAll(): void {
    for (const set of this.subscribers.values()) for (const inbox of set) inbox.requestResync();
  }
}
