import { afterEach, describe, expect, it, vi } from "vitest";
import { AddressLimits } from "../../src/server/address-limits";
import { addressLimitSettings } from "../support/address-limit-settings";

const limits = () => new AddressLimits(addressLimitSettings({ anonymousCallsPerSecond: 10, anonymousCallsBurst: 20 }));

afterEach(() => {
  vi.useRealTimers();
});

describe("anonymous calls paced per address", () => {
  it("give the burst at once, then one every 1 s / rate, and say how long until a message's calls fit", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const addressLimits = limits();
    expect(addressLimits.paceAnonymousCalls("198.51.100.1", 20)).toBe(0);
    // Nothing taken while waiting: 5 calls need 500 ms at 10 a second.
    expect(addressLimits.paceAnonymousCalls("198.51.100.1", 5)).toBe(500);
    expect(addressLimits.paceAnonymousCalls("198.51.100.1", 5)).toBe(500);
    vi.advanceTimersByTime(500);
    expect(addressLimits.paceAnonymousCalls("198.51.100.1", 5)).toBe(0);
    // Another address has its own allowance.
    expect(addressLimits.paceAnonymousCalls("198.51.100.2", 20)).toBe(0);
  });

  it("let a message larger than the burst go once the allowance is full, and charge its excess to what follows", () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const addressLimits = limits();
    expect(addressLimits.paceAnonymousCalls("198.51.100.3", 30)).toBe(0);
    // 10 calls in debt: one more call is 1.1 s away.
    expect(addressLimits.paceAnonymousCalls("198.51.100.3", 1)).toBe(1_100);
  });
});
