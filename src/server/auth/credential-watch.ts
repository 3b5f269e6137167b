import { credentialExpiry, type Credential, type CredentialChecks, type CredentialLapse } from "./credentials";

// Timers cannot wait past ~24.8 days (a session's expiry may be further): such a timer fires early and is set again.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * What ends when a credential lapses, told once. An object rather than a callback: a subscription
 * has one anyway, and a closure per subscription is one more thing each idle subscriber holds.
 */
export interface LapseWatcher {
  lapsed(lapse: CredentialLapse): void;
}

/** A watched credential, as `watch` returns it for `unwatch`. */
export type Watching = object;

/** One distinct credential and everything that ends when it lapses. */
interface Watched {
  key: string;
  credential: Credential;
  expiresAt: number | null;
  watchers: Set<LapseWatcher>;
}

/**
 * Watches the credentials of this instance's open subscriptions for a lapse, with one interval and
 * one expiry timer for all of them: a per-subscription timer was most of what an idle subscriber
 * held, and 10,000 subscribers sharing one token were 10,000 checks a second of the same answer.
 * Each *distinct* credential is checked once per `intervalMs` (through CredentialChecks, whose cache
 * bounds the database reads), and at its expiry if it has one; a lapse ends all its watchers.
 * A check the database cannot answer is simply made again at the next tick.
 */
export class CredentialWatch {
  private readonly watched = new Map<string, Watched>();
  private ticker: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** When the expiry timer is for (epoch ms); Infinity while there is none. */
  private expiryAt = Infinity;

  constructor(
    private readonly checks: Pick<CredentialChecks, "lapse">,
    readonly intervalMs: number,
  ) {}

  /** Tells `watcher` once the credential lapses, until `unwatch` is called with what this returns. */
  watch(credential: Credential, watcher: LapseWatcher): Watching {
    const key = keyOf(credential);
    let entry = this.watched.get(key);
    if (!entry) {
      entry = { key, credential, expiresAt: credentialExpiry(credential), watchers: new Set() };
      this.watched.set(key, entry);
    }
    entry.watchers.add(watcher);
    if (!this.ticker) {
      this.ticker = setInterval(() => this.tick(), this.intervalMs);
      this.ticker.unref();
    }
    if (entry.expiresAt !== null) this.checkAt(entry.expiresAt);
    return entry;
  }

  /** How many distinct credentials are watched. */
  get size(): number {
    return this.watched.size;
  }

  /** Stops telling `watcher` of a lapse of what `watching` is (from `watch`). */
  unwatch(watching: Watching, watcher: LapseWatcher): void {
    const entry = watching as Watched;
    entry.watchers.delete(watcher);
    if (entry.watchers.size > 0 || this.watched.get(entry.key) !== entry) return;
    this.watched.delete(entry.key);
    if (this.watched.size > 0) return;
    clearInterval(this.ticker);
    clearTimeout(this.expiryTimer);
    this.ticker = this.expiryTimer = undefined;
    this.expiryAt = Infinity;
  }

  private tick(): void {
    const now = Date.now();
    for (const entry of this.watched.values()) this.check(entry, now);
  }

  private check(entry: Watched, now: number): void {
    this.checks.lapse(entry.credential, now).then(
      (lapse) => {
        if (!lapse || this.watched.get(entry.key) !== entry) return;
        this.watched.delete(entry.key);
        for (const watcher of entry.watchers) watcher.lapsed(lapse);
        entry.watchers.clear();
      },
      () => {}, // the database is unavailable: try again at the next tick
    );
  }

  /** Makes sure the expiry timer fires by `at` (just after it, so the credential has expired then). */
  private checkAt(at: number): void {
    if (at >= this.expiryAt) return;
    clearTimeout(this.expiryTimer);
    this.expiryAt = at;
    this.expiryTimer = setTimeout(() => this.expire(), Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now()) + 1));
    this.expiryTimer.unref();
  }

  /** Checks the credentials expired by now, and sets the timer for the next expiry. */
  private expire(): void {
    this.expiryTimer = undefined;
    this.expiryAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const entry of this.watched.values()) {
      if (entry.expiresAt === null) continue;
      if (entry.expiresAt <= now) this.check(entry, now);
      else next = Math.min(next, entry.expiresAt);
    }
    if (next < Infinity) this.checkAt(next);
  }
}

/** Credentials that check the same share one key: a lapse check reads nothing else of them. */
function keyOf(credential: Credential): string {
  switch (credential.kind) {
    case "token":
      return `token ${credential.tokenId}`;
    case "session":
      return `session ${credential.expiresAt}`;
    case "view":
      return `view ${credential.tokenHash} ${credential.expiresAt}`;
  }
}
