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
});
