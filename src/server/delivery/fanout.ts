import type { Database } from "../../db/client";
import { RUN_EVENTS_CHANNEL } from "../../db/channels";
import type { Logger } from "../log";
import type { RunEvent } from "../events/types";
import { RunEventInbox } from "./inbox";

/** Subscribes to the events of every run (run ids are uuids, so this key never collides). */
export const ALL_RUNS = "*";

/**
 * Delivers published events to this instance's subscribers. Every instance LISTENs, so an event
 * published by any instance's poller reaches subscribers everywhere. After the listening
 * connection (re)connects, every subscriber is told to resync from the table, because
 * notifications sent while it was down are gone.
 */
export class RunEventFanout {
  private readonly inboxes = new Map<string, Set<RunEventInbox>>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(private readonly options: { inboxCapacity: number; log: Logger }) {}

  async start(database: Database): Promise<void> {
    let connectedBefore = false;
    this.unlisten = await database.listen(
      RUN_EVENTS_CHANNEL,
      (payload) => this.dispatch(payload),
      () => {
        if (connectedBefore) {
          this.options.log.warn("event listener reconnected; subscribers resync from the table");
          this.resyncAll();
        }
        connectedBefore = true;
      },
    );
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
  }

  /** Starts buffering live events for `runId` (or every run); call before reading the backfill. */
  subscribe(runId: string): RunEventInbox {
    const inbox = new RunEventInbox(this.options.inboxCapacity, (closed) => {
      const set = this.inboxes.get(runId);
      set?.delete(closed);
      if (set?.size === 0) this.inboxes.delete(runId);
    });
    let set = this.inboxes.get(runId);
    if (!set) this.inboxes.set(runId, (set = new Set()));
    set.add(inbox);
    return inbox;
  }

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.inboxes.values()) count += set.size;
    return count;
  }

  resyncAll(): void {
    for (const set of this.inboxes.values()) for (const inbox of set) inbox.requestResync();
  }

  private dispatch(payload: string): void {
    let events: RunEvent[];
    try {
      events = JSON.parse(payload) as RunEvent[];
    } catch {
      this.options.log.error({ payload: payload.slice(0, 200) }, "unparseable event notification; resyncing");
      this.resyncAll();
      return;
    }
    const everyRun = this.inboxes.get(ALL_RUNS);
    for (const event of events) {
      const set = this.inboxes.get(event.runId);
      if (set) for (const inbox of set) inbox.push(event);
      if (everyRun) for (const inbox of everyRun) inbox.push(event);
    }
  }
}
