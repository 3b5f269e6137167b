import type { RunEvent } from "../events/types";

/** `resync`: events may have been missed; the reader must catch up from the table. */
export type InboxItem = { kind: "event"; event: RunEvent } | { kind: "resync" };

/**
 * One subscriber's queue of live events. Bounded: a consumer that falls `capacity` events behind
 * loses the queue and gets a `resync` instead, so memory never grows with a slow reader; the
 * database holds every event, so nothing is lost.
 */
export class RunEventInbox {
  private queue: RunEvent[] = [];
  private resyncPending = false;
  private wakeReader: (() => void) | null = null;
  private watched: AbortSignal | undefined;
  private readonly wakeOnAbort = () => this.wake();
  private closed = false;

  constructor(
    private readonly capacity: number,
    private readonly onClose: (inbox: RunEventInbox) => void,
  ) {}

  push(event: RunEvent): void {
    if (this.closed) return;
    if (this.queue.length >= this.capacity) this.requestResync();
    else {
      this.queue.push(event);
      this.wake();
    }
  }

  requestResync(): void {
    if (this.closed) return;
    this.queue = [];
    this.resyncPending = true;
    this.wake();
  }

  /** Resolves with the next item, or null once the inbox is closed or `signal` aborts. */
  async next(signal?: AbortSignal): Promise<InboxItem | null> {
    for (;;) {
      if (this.closed || signal?.aborted) return null;
      if (this.resyncPending) {
        this.resyncPending = false;
        return { kind: "resync" };
      }
      const event = this.queue.shift();
      if (event) return { kind: "event", event };
      this.watch(signal);
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.watch(undefined);
    this.wake();
    this.onClose(this);
  }

  // A subscriber waits on its inbox once per live event, with the same signal each time: the abort
  // listener is registered once per signal rather than once per wait.
  private watch(signal: AbortSignal | undefined): void {
    if (signal === this.watched) return;
    this.watched?.removeEventListener("abort", this.wakeOnAbort);
    signal?.addEventListener("abort", this.wakeOnAbort, { once: true });
    this.watched = signal;
  }

  private wake(): void {
    const wakeReader = this.wakeReader;
    this.wakeReader = null;
    wakeReader?.();
  }
}
