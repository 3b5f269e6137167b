import { afterEach, describe, expect, it, vi } from "vitest";
import { AddressLimits } from "../../src/server/address-limits";
import { LimitExceededError } from "../../src/server/errors";
import { addressLimitSettings } from "../support/address-limit-settings";

const limits = () => new AddressLimits(addressLimitSettings());

/** The retry hint of a refused session, or null when one was given. */
function admit(addressLimits: AddressLimits, address: string): number | null {
  try {
    addressLimits.admitNewSession(address);
    return null;
  } catch (error) {
    if (!(error instanceof LimitExceededError)) throw error;
    return error.retryAfterMs ?? Number.NaN;
  }
}

afterEach(() => vi.useRealTimers());

describe("new sessions per address", () => {
  it("come a burst at once, then one every minute ÷ the allowance", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const addressLimits = limits();
    expect(Array.from({ length: 5 }, () => admit(addressLimits, "198.51.100.1"))).toEqual(Array(5).fill(null));
    // The next is due in 2 s (30 a minute), not at the next minute.
    expect(admit(addressLimits, "198.51.100.1")).toBe(2_000);
    // Another address has its own burst.
    expect(admit(addressLimits, "198.51.100.2")).toBeNull();

    vi.advanceTimersByTime(1_000);
    expect(admit(addressLimits, "198.51.100.1")).toBe(1_000);
    vi.advanceTimersByTime(1_000);
    expect(admit(addressLimits, "198.51.100.1")).toBeNull();

    // Over a whole minute of asking every 100 ms: the burst, then one every 2 s.
    let given = 0;
    for (let step = 0; step < 600; step++) {
      if (admit(addressLimits, "198.51.100.3") === null) given += 1;
      vi.advanceTimersByTime(100);
    }
    expect(given).toBe(5 + 29);
  });

  it("never exceed the minute's allowance at once, whatever the burst setting", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const addressLimits = new AddressLimits(addressLimitSettings({ newSessionsPerMinute: 2, newSessionsBurst: 50 }));
    expect([1, 2, 3].map(() => admit(addressLimits, "198.51.100.4"))).toEqual([null, null, 30_000]);
  });
});
