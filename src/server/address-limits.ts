import { LimitExceededError } from "./errors";

export interface AddressLimitSettings {
  /** Take the client's address from X-Forwarded-For (its last entry, added by our proxy), not the socket. */
  trustProxy: boolean;
  /** Anonymous sessions (new owners) one address may be given per minute, spread over it... */
  newSessionsPerMinute: number;
  /** ...after at most this many at once. */
  newSessionsBurst: number;
  /** HTTP requests plus WebSocket queries and mutations one address may have in flight. */
  requestsInFlight: number;
  /** How long a refused HTTP request waits for its 429 (0: answered at once); see holdRefusal. */
  refusalDelayMs: number;
  /** Refusals decided before any work (400, 405…) answered at once per address and minute; later ones wait refusalDelayMs. */
  quickRefusalsPerMinute: number;
  /** Calls (queries, mutations, subscription starts) anonymous owners of one address may make per second, all together... */
  anonymousCallsPerSecond: number;
  /** ...after at most this many at once. */
  anonymousCallsBurst: number;
}

/** How long a caller over the in-flight limit is asked to wait: about one request's time. */
const IN_FLIGHT_RETRY_AFTER_MS = 1_000;
const MINUTE_MS = 60_000;
/**
 * Refusals one address may have waiting for their delayed answer, and all addresses together: a
 * client that opens more connections than this has them closed, so held refusals never pile up.
 */
export const HELD_REFUSALS_PER_ADDRESS = 16;
export const HELD_REFUSALS_IN_ALL = 10_000;

/**
 * The per-address limits kept in this instance's memory: what must be decided before any database
 * work (requests in flight, sessions minted, which cost nothing to mint). Each instance counts its
 * own traffic; the run limits per address are in the database (runs/limits.ts) and exact.
 */
export class AddressLimits {
  private readonly inFlight = new Map<string, number>();
  private readonly sessions = new TokenBuckets();
  private readonly quickRefusals = new TokenBuckets();
  private readonly anonymousCalls = new TokenBuckets();
  private readonly heldRefusals = new Map<string, number>();
  private heldRefusalsInAll = 0;

  /** `heldRefusalBounds` is there for tests: the defaults are the bounds. */
  constructor(
    readonly settings: AddressLimitSettings,
    private readonly heldRefusalBounds = { perAddress: HELD_REFUSALS_PER_ADDRESS, inAll: HELD_REFUSALS_IN_ALL },
  ) {}

  /** Whether this refusal of the address's may be answered at once (a tenth of the minute's allowance in a burst). */
  admitQuickRefusal(address: string): boolean {
    const perMinute = this.settings.quickRefusalsPerMinute;
    return this.quickRefusals.take(address, perMinute, Math.max(1, Math.floor(perMinute / 10))) === null;
  }

  /**
   * Takes one of the address's in-flight slots, or refuses (LimitExceededError) when all are taken.
   * Returns the release, to call exactly once when the request is answered.
   */
  holdRequest(address: string): () => void {
    const held = this.inFlight.get(address) ?? 0;
    const limit = this.settings.requestsInFlight;
    if (held >= limit) {
      throw new LimitExceededError(
        `at most ${limit} requests in flight per client address; wait for an answer`,
        IN_FLIGHT_RETRY_AFTER_MS,
      );
    }
    this.inFlight.set(address, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(address) ?? 1) - 1;
      if (left > 0) this.inFlight.set(address, left);
      else this.inFlight.delete(address);
    };
  }

  /** Counts a new anonymous session for the address, or refuses (LimitExceededError) until its next one is due. */
  admitNewSession(address: string): void {
    const { newSessionsPerMinute, newSessionsBurst } = this.settings;
    const retryAfterMs = this.sessions.take(address, newSessionsPerMinute, newSessionsBurst);
    if (retryAfterMs !== null) {
      throw new LimitExceededError(
        `at most ${this.settings.newSessionsPerMinute} new sessions per minute per client address`,
        retryAfterMs,
      );
    }
  }

  /**
   * Paces anonymous owners' calls from `address`: takes `calls` of its allowance and returns 0, or
   * returns the ms until there is enough (nothing taken). Anonymous owners cost nothing to mint, so
   * without this one address could keep every core busy with cheap reads; token owners are
   * accountable and exempt. A batch larger than the burst goes once the allowance is full, and
   * its excess is paid for by what follows.
   */
  paceAnonymousCalls(address: string, calls: number): number {
    const { anonymousCallsPerSecond, anonymousCallsBurst } = this.settings;
    return this.anonymousCalls.take(address, anonymousCallsPerSecond * 60, anonymousCallsBurst, calls) ?? 0;
  }

  /** An anonymous HTTP request's calls, paced as above: refused (LimitExceededError) when over. */
  admitAnonymousCalls(address: string, calls: number): void {
    const retryAfterMs = this.paceAnonymousCalls(address, calls);
    if (retryAfterMs > 0) {
      throw new LimitExceededError(
        `at most ${this.settings.anonymousCallsPerSecond} calls per second from one client address without an API token`,
        retryAfterMs,
      );
    }
  }

  /**
   * Counts a refusal whose answer is being delayed, or returns null when the address (or the
   * instance) already has as many waiting as it may: then the caller should close the connection
   * unanswered. Returns the release, to call exactly once when the refusal's response is over.
   */
  holdRefusal(address: string): (() => void) | null {
    const held = this.heldRefusals.get(address) ?? 0;
    const bounds = this.heldRefusalBounds;
    if (held >= bounds.perAddress || this.heldRefusalsInAll >= bounds.inAll) return null;
    this.heldRefusals.set(address, held + 1);
    this.heldRefusalsInAll += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.heldRefusalsInAll -= 1;
      const left = (this.heldRefusals.get(address) ?? 1) - 1;
      if (left > 0) this.heldRefusals.set(address, left);
      else this.heldRefusals.delete(address);
    };
  }

  /** Refusals waiting for their delayed answer, from `address` or (without one) from everyone. */
  refusalsHeld(address?: string): number {
    return address === undefined ? this.heldRefusalsInAll : (this.heldRefusals.get(address) ?? 0);
  }
}

/**
 * A token bucket per key: `burst` at once (at most `perMinute`), then one every `60 s / perMinute`, so an allowance is
 * spread over the minute instead of spent in one burst. Full buckets are dropped once a minute
 * (a missing key is a full bucket), so memory holds only the keys seen lately.
 */
class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private sweptAt = 0;

  /**
   * Takes `count` tokens for `key`, returning null; or, with too few left, the ms until there are
   * enough. A count above the capacity needs a full bucket and leaves it in debt.
   */
  take(key: string, perMinute: number, burst: number, count = 1, now = Date.now()): number | null {
    const msPerToken = MINUTE_MS / perMinute;
    const capacity = Math.min(burst, perMinute);
    if (now - this.sweptAt >= MINUTE_MS) this.sweep(msPerToken, capacity, now);
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(capacity, bucket.tokens + (now - bucket.at) / msPerToken) : capacity;
    const needed = Math.min(count, capacity);
    if (tokens < needed) return Math.ceil((needed - tokens) * msPerToken);
    this.buckets.set(key, { tokens: tokens - count, at: now });
    return null;
  }

  private sweep(msPerToken: number, burst: number, now: number): void {
    this.sweptAt = now;
    for (const [key, bucket] of this.buckets)
      if (bucket.tokens + (now - bucket.at) / msPerToken >= burst) this.buckets.delete(key);
  }
}
