import { LimitExceededError } from "./errors";

export interface AddressLimitSettings {
  /** Take the client's address from X-Forwarded-For (its last entry, added by our proxy), not the socket. */
  trustProxy: boolean;
  /** Anonymous sessions (new owners) one address may be given per minute. */
  newSessionsPerMinute: number;
  /** HTTP requests plus WebSocket queries and mutations one address may have in flight. */
  requestsInFlight: number;
  /** How long a refused HTTP request waits for its 429 (0: answered at once); see holdRefusal. */
  refusalDelayMs: number;
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
  private readonly sessions = new MinuteCounter();
  private readonly heldRefusals = new Map<string, number>();
  private heldRefusalsInAll = 0;

  constructor(readonly settings: AddressLimitSettings) {}

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

  /** Counts a new anonymous session for the address, or refuses (LimitExceededError) past the minute's allowance. */
  admitNewSession(address: string): void {
    const retryAfterMs = this.sessions.take(address, this.settings.newSessionsPerMinute);
    if (retryAfterMs !== null) {
      throw new LimitExceededError(
        `at most ${this.settings.newSessionsPerMinute} new sessions per minute per client address`,
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
    if (held >= HELD_REFUSALS_PER_ADDRESS || this.heldRefusalsInAll >= HELD_REFUSALS_IN_ALL) return null;
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
 * Counts per key in fixed one-minute windows. The whole map is dropped when a window ends, so
 * memory holds only the keys seen in the current minute.
 */
class MinuteCounter {
  private windowStart = 0;
  private counts = new Map<string, number>();

  /** Counts one for `key` if it has fewer than `limit` this minute; otherwise the ms until the next window. */
  take(key: string, limit: number, now = Date.now()): number | null {
    if (now - this.windowStart >= MINUTE_MS) {
      this.windowStart = now;
      this.counts = new Map();
    }
    const count = this.counts.get(key) ?? 0;
    if (count >= limit) return this.windowStart + MINUTE_MS - now;
    this.counts.set(key, count + 1);
    return null;
  }
}
