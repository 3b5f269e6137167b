import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CredentialWatch } from "../../src/server/auth/credential-watch";
import type { Credential, CredentialLapse } from "../../src/server/auth/credentials";

const INTERVAL_MS = 1_000;

/**
 * Lapse checks the test decides: a credential lapses once it is in `lapsed`, or once expired;
 * `down` makes every check reject, as CredentialChecks does while the database cannot answer.
 */
function checks() {
  const lapsed = new Map<string, CredentialLapse>();
  const state = { down: false };
  const answer = (credential: Credential, now: number): CredentialLapse | null => {
    if (credential.kind === "session") return credential.expiresAt <= now ? "invalid session" : null;
    if (credential.kind === "view") return credential.expiresAt <= now ? "expired view token" : null;
    return lapsed.get(credential.tokenId) ?? null;
  };
  const lapse = vi.fn((credential: Credential, now: number) =>
    state.down ? Promise.reject(new Error("database unavailable")) : Promise.resolve(answer(credential, now)),
  );
  return { lapse, lapsed, state };
}

const token = (tokenId: string): Credential => ({ kind: "token", tokenId });

/** Watches `credential` `count` times; each watcher records the lapses it is told of. */
function watchers(watch: CredentialWatch, credential: Credential, count: number) {
  return Array.from({ length: count }, () => {
    const told: CredentialLapse[] = [];
    const watcher = { lapsed: (lapse: CredentialLapse) => told.push(lapse) };
    const watching = watch.watch(credential, watcher);
    return { told, unwatch: () => watch.unwatch(watching, watcher) };
  });
}

describe("CredentialWatch", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("checks a credential shared by many subscriptions once per interval, each distinct one once", async () => {
    const { lapse } = checks();
    const watch = new CredentialWatch({ lapse }, INTERVAL_MS);
    // Separate but equal credentials (one token over 50 sockets) are one credential to check.
    for (let i = 0; i < 50; i += 1) watchers(watch, token("shared"), 1);
    watchers(watch, token("other"), 3);
    expect(watch.size).toBe(2);
    expect(lapse).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(lapse.mock.calls.map(([credential]) => credential)).toEqual([token("shared"), token("other")]);
    await vi.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(lapse).toHaveBeenCalledTimes(8);
  });

  it("tells every watcher of a lapse once, and stops checking that credential", async () => {
    const { lapse, lapsed } = checks();
    const watch = new CredentialWatch({ lapse }, INTERVAL_MS);
    const revoked = watchers(watch, token("revoked"), 20);
    const left = watchers(watch, token("revoked"), 1)[0]!;
    const kept = watchers(watch, token("kept"), 2);
    left.unwatch();

    lapsed.set("revoked", "invalid token");
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(revoked.map((watcher) => watcher.told)).toEqual(Array(20).fill(["invalid token"]));
    expect(left.told).toEqual([]);
    expect(kept.map((watcher) => watcher.told)).toEqual([[], []]);

    lapse.mockClear();
    await vi.advanceTimersByTimeAsync(2 * INTERVAL_MS);
    expect(revoked.map((watcher) => watcher.told)).toEqual(Array(20).fill(["invalid token"]));
    expect(lapse.mock.calls.map(([credential]) => credential)).toEqual([token("kept"), token("kept")]);
  });

  it("checks expiring credentials at their expiry, each at its own, not an interval later", async () => {
    const { lapse } = checks();
    const watch = new CredentialWatch({ lapse }, 60_000);
    const now = Date.now();
    const later = watchers(watch, { kind: "session", expiresAt: now + 5_000 }, 2);
    const sooner = watchers(watch, { kind: "view", tokenHash: "h", runId: "r", expiresAt: now + 2_000 }, 2);

    await vi.advanceTimersByTimeAsync(1_999);
    expect(sooner.map((watcher) => watcher.told)).toEqual([[], []]);
    await vi.advanceTimersByTimeAsync(2);
    expect(sooner.map((watcher) => watcher.told)).toEqual([["expired view token"], ["expired view token"]]);
    expect(later.map((watcher) => watcher.told)).toEqual([[], []]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(later.map((watcher) => watcher.told)).toEqual([["invalid session"], ["invalid session"]]);
    expect(lapse).toHaveBeenCalledTimes(2);
    expect(watch.size).toBe(0);
  });

  it("an expiry beyond what a timer can wait is still checked then", async () => {
    const { lapse } = checks();
    // The longest interval a timer takes: its ticks (at ~24.8 and ~49.6 days) miss the expiry.
    const watch = new CredentialWatch({ lapse }, 2 ** 31 - 1);
    const days40 = 40 * 24 * 3600 * 1000;
    const [session] = watchers(watch, { kind: "session", expiresAt: Date.now() + days40 }, 1);
    await vi.advanceTimersByTimeAsync(days40 - 1);
    expect(session!.told).toEqual([]);
    await vi.advanceTimersByTimeAsync(2);
    expect(session!.told).toEqual(["invalid session"]);
  });

  it("rides out checks that fail: the credential is checked again at the next tick", async () => {
    const { lapse, lapsed, state } = checks();
    const watch = new CredentialWatch({ lapse }, INTERVAL_MS);
    const [watcher] = watchers(watch, token("t"), 1);
    state.down = true;
    lapsed.set("t", "invalid token");
    await vi.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(lapse).toHaveBeenCalledTimes(3);
    expect(watcher!.told).toEqual([]);

    state.down = false;
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(watcher!.told).toEqual(["invalid token"]);
  });

  it("keeps no timer once nothing is watched", async () => {
    const { lapse } = checks();
    const watch = new CredentialWatch({ lapse }, INTERVAL_MS);
    const all = [
      ...watchers(watch, token("t"), 3),
      ...watchers(watch, { kind: "session", expiresAt: Date.now() + 10_000 }, 2),
    ];
    expect(vi.getTimerCount()).toBe(2);
    for (const watcher of all) watcher.unwatch();
    expect(watch.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(lapse).not.toHaveBeenCalled();
  });
});
