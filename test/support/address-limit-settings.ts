import type { AddressLimitSettings } from "../../src/server/address-limits";

/** The per-address settings at their defaults, with the ones a unit test is about changed. */
export function addressLimitSettings(changed: Partial<AddressLimitSettings> = {}): AddressLimitSettings {
  return {
    trustProxy: false,
    newSessionsPerMinute: 30,
    newSessionsBurst: 5,
    requestsInFlight: 64,
    refusalDelayMs: 0,
    quickRefusalsPerMinute: 600,
    anonymousCallsPerSecond: 50,
    anonymousCallsBurst: 40,
    ...changed,
  };
}
