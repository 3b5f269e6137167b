import type { RunEvent } from "../events/types";

/** `resync`: events may have been missed; the reader must catch up from the table. */
export type InboxItem = { kind: "event"; event: RunEvent } | { kind: "resync" };

/**
 * What a hand-off receiver did with a pushed event: `taken` (delivered, or a duplicate dropped),
 * `last` (taken, and nothing more is wanted), `refused` (not its next event: it goes to the queue).
 */
export type HandOffAnswer = "taken" | "last" | "refused";

/** How a hand-off ended: the receiver is done, or the reader must read the inbox again. */
export type HandOffEnd = "done" | "read";

/** Takes live events from an inbox handed off to it. */
export interface HandOffReceiver {
  receive(event: RunEvent): HandOffAnswer;
}

interface HandOff {
  receiver: HandOffReceiver;
  end: (how: HandOffEnd) => void;
}

/**
 * One subscriber's queue of live events. Bounded: a consumer that falls `capacity` events behind
 * loses the queue and gets a `resync` instead, so memory never grows with a slow reader; the
 * database holds every event, so nothing is lost.
 *
 * A reader that has caught up may hand the inbox off instead of waiting on it: while its queue is
 * empty, pushed events go straight to a receiver, in the pusher's call, with no promise or
 * generator between the fan-out and the socket.
 */
export class RunEventInbox {
  private queue: RunEvent[] = [];
  private resyncPending = false;
  private wakeReader: (() => void) | null = null;
  private handOff: HandOff | null = null;
  private watched: AbortSignal | undefined;
  private closed = false;

  constructor(
    private readonly capacity: number,
    private readonly onClose: (inbox: RunEventInbox) => void,
  ) {}

  push(event: RunEvent): void {
    if (this.closed) return;
    const handOff = this.handOff;
    if (handOff) {
      // A receiver that throws gives the event back: the reader sends it the ordinary way.
      let answer: HandOffAnswer;
      try {
        answer = handOff.receiver.receive(event);
      } catch {
        answer = "refused";
      }
      if (answer === "taken") return;
      if (answer === "last") return this.endHandOff("done");
      this.endHandOff("read");
    }
    if (this.queue.length >= this.capacity) this.requestResync();
    else {
      this.queue.push(event);
      this.wake();
    }
  }

  requestResync(): void {
    if (this.closed) return;
    this.endHandOff("read");
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

  /**
   * Sends pushed events to `receiver` until it answers `last` ("done") or `refused`, a resync is
   * asked for, the inbox closes or `signal` aborts ("read": read the inbox again). Only for a reader
   * with nothing left to read: it resolves "read" at once when something is queued.
   */
  handOffUntilEnd(receiver: HandOffReceiver, signal?: AbortSignal): Promise<HandOffEnd> {
    if (this.closed || signal?.aborted || this.resyncPending || this.queue.length > 0 || this.handOff)
      return Promise.resolve("read");
    this.watch(signal);
    return new Promise<HandOffEnd>((end) => (this.handOff = { receiver, end }));
  }

  /** The watched signal aborted (the inbox is its listener object: no closure per subscriber). */
  handleEvent(): void {
    this.endHandOff("read");
    this.wake();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.watch(undefined);
    this.endHandOff("read");
    this.wake();
    this.onClose(this);
  }

  private endHandOff(how: HandOffEnd): void {
    const handOff = this.handOff;
    this.handOff = null;
    handOff?.end(how);
  }

  // A subscriber waits on its inbox once per live event, with the same signal each time: the abort
  // listener is registered once per signal rather than once per wait.
  private watch(signal: AbortSignal | undefined): void {
    if (signal === this.watched) return;
    this.watched?.removeEventListener("abort", this);
    signal?.addEventListener("abort", this, { once: true });
    this.watched = signal;
  }

  private wake(): void {
    const wakeReader = this.wakeReader;
    this.wakeReader = null;
    wakeReader?.();
  }
}
