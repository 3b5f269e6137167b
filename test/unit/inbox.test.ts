import { setImmediate as afterMicrotasks } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { RunEventInbox } from "../../src/server/delivery/inbox";
import type { RunEvent } from "../../src/server/events/types";

const event = (seq: number): RunEvent => ({ runId: "run-1", seq, ts: seq, type: "DebugTrace", v: 1, source: "worker" });
const inbox = (capacity = 10, onClose = () => {}) => new RunEventInbox(capacity, onClose);

/** Whether `promise` has settled once every pending callback has run (no timers involved). */
async function hasSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await afterMicrotasks();
  return settled;
}

describe("a subscriber's inbox", () => {
  it("hands out events in the order they were pushed", async () => {
    const box = inbox();
    for (const seq of [1, 2, 3]) box.push(event(seq));
    expect(await box.next()).toEqual({ kind: "event", event: event(1) });
    expect(await box.next()).toEqual({ kind: "event", event: event(2) });
    expect(await box.next()).toEqual({ kind: "event", event: event(3) });
  });

  it("wakes a waiting reader when an event arrives", async () => {
    const box = inbox();
    const next = box.next();
    expect(await hasSettled(next)).toBe(false);
    box.push(event(7));
    expect(await next).toEqual({ kind: "event", event: event(7) });
  });

  it("past its capacity drops what it holds and asks for a resync instead, once", async () => {
    const box = inbox(2);
    for (const seq of [1, 2, 3]) box.push(event(seq));
    expect(await box.next()).toEqual({ kind: "resync" });
    // 1 and 2 are gone (the reader re-reads the table); what arrives after the overflow is queued.
    box.push(event(4));
    expect(await box.next()).toEqual({ kind: "event", event: event(4) });
    const next = box.next();
    expect(await hasSettled(next)).toBe(false);
    box.push(event(5));
    expect(await next).toEqual({ kind: "event", event: event(5) });
  });

  it("wakes a waiting reader for a resync asked for from outside", async () => {
    const box = inbox();
    const next = box.next();
    box.requestResync();
    expect(await next).toEqual({ kind: "resync" });
  });

  it("once closed answers null, drops what it held, ignores pushes and reports its close once", async () => {
    const onClose = vi.fn();
    const box = inbox(10, onClose);
    const waiting = box.next();
    box.close();
    expect(await waiting).toBeNull();

    const held = inbox(10, onClose);
    held.push(event(1));
    held.close();
    held.close();
    held.push(event(2));
    held.requestResync();
    expect(await held.next()).toBeNull();
    expect(onClose.mock.calls).toEqual([[box], [held]]);
  });

  it("answers null when the reader's signal aborts, and stays usable with another signal", async () => {
    const box = inbox();
    const aborted = new AbortController();
    aborted.abort();
    box.push(event(1));
    expect(await box.next(aborted.signal)).toBeNull();

    const reader = new AbortController();
    const waiting = box.next(reader.signal);
    expect(await waiting).toEqual({ kind: "event", event: event(1) });
    const parked = box.next(reader.signal);
    expect(await hasSettled(parked)).toBe(false);
    reader.abort();
    expect(await parked).toBeNull();

    const later = new AbortController();
    box.push(event(2));
    expect(await box.next(later.signal)).toEqual({ kind: "event", event: event(2) });
  });

  it("listens to a reader's signal once, however many times it waits with it", async () => {
    const box = inbox();
    const reader = new AbortController();
    const listen = vi.spyOn(reader.signal, "addEventListener");
    for (const seq of [1, 2, 3]) {
      const next = box.next(reader.signal);
      expect(await hasSettled(next)).toBe(false);
      box.push(event(seq));
      expect(await next).toEqual({ kind: "event", event: event(seq) });
    }
    expect(listen).toHaveBeenCalledTimes(1);
    // Closing lets go of it.
    const forget = vi.spyOn(reader.signal, "removeEventListener");
    box.close();
    expect(forget).toHaveBeenCalledTimes(1);
  });

  it("hands pushed events to a receiver while handed off, until it takes the last one", async () => {
    const box = inbox();
    const received: number[] = [];
    const handOff = box.handOffUntilEnd({
      receive: (e) => {
        received.push(e.seq);
        return e.seq === 3 ? "last" : "taken";
      },
    });
    for (const seq of [1, 2, 3, 4]) box.push(event(seq));
    expect(await handOff).toBe("done");
    expect(received).toEqual([1, 2, 3]);
    // What came after the last one is queued, as for any reader.
    expect(await box.next()).toEqual({ kind: "event", event: event(4) });
  });

  it("ends a hand-off for the reader to read when the receiver refuses an event or throws", async () => {
    const box = inbox();
    const refused = box.handOffUntilEnd({ receive: () => "refused" });
    box.push(event(5));
    expect(await refused).toBe("read");
    expect(await box.next()).toEqual({ kind: "event", event: event(5) });

    const throwing = box.handOffUntilEnd({
      receive: () => {
        throw new Error("socket gone");
      },
    });
    box.push(event(6));
    expect(await throwing).toBe("read");
    expect(await box.next()).toEqual({ kind: "event", event: event(6) });
  });

  it("ends a hand-off at a resync, a close or the reader's abort, and never starts one over a queue", async () => {
    const box = inbox();
    const receiver = { receive: vi.fn(() => "taken" as const) };
    const resynced = box.handOffUntilEnd(receiver);
    box.requestResync();
    expect(await resynced).toBe("read");
    expect(await box.next()).toEqual({ kind: "resync" });

    const reader = new AbortController();
    const aborted = box.handOffUntilEnd(receiver, reader.signal);
    expect(await hasSettled(aborted)).toBe(false);
    reader.abort();
    expect(await aborted).toBe("read");
    box.push(event(1));
    expect(await box.handOffUntilEnd(receiver)).toBe("read"); // event 1 waits in the queue
    expect(await box.next()).toEqual({ kind: "event", event: event(1) });

    const closed = box.handOffUntilEnd(receiver);
    box.close();
    expect(await closed).toBe("read");
    box.push(event(2));
    expect(receiver.receive).not.toHaveBeenCalled();
  });
});
