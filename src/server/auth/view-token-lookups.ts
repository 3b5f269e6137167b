import type { Db } from "../../db/client";
import { findViewGrant, hashViewToken, revokeViewGrant, viewTokenExpiry, type ViewGrant } from "./view-tokens";

// Past this many cached grants the cache starts over: it only saves queries, it decides nothing.
const MAX_CACHED_GRANTS = 10_000;

/**
 * View tokens as this instance sees them. A token's expiry is in the token itself, so an expired
 * one costs no query; a live one's grant (or its absence: unknown, revoked) is read once per
 * `cacheMs` per token for the whole instance, however many requests and sockets present it. A
 * token revoked here is forgotten here at once; other instances see it within `cacheMs`.
 */
export class ViewTokenLookups {
  private readonly known = new Map<string, { grant: ViewGrant | null; checkedAt: number }>();
  private readonly inFlight = new Map<string, Promise<ViewGrant | null>>();

  constructor(
    private readonly db: Db,
    readonly cacheMs: number,
  ) {}

  /** The grant of a live token (well-formed, unexpired, unrevoked), else null; rejects when the database cannot answer. */
  async find(token: string, now = Date.now()): Promise<ViewGrant | null> {
    const expiresAt = viewTokenExpiry(token);
    if (expiresAt === null || expiresAt <= now) return null;
    const grant = await this.grant(hashViewToken(token), now);
    return grant && grant.expiresAt > now ? grant : null;
  }

  /** True while the token with this hash is unexpired and unrevoked (through the same cache). */
  async holds(tokenHash: string, now = Date.now()): Promise<boolean> {
    const grant = await this.grant(tokenHash, now);
    return grant !== null && grant.expiresAt > now;
  }

  /** Revokes one of `ownerId`'s tokens (see revokeViewGrant) and stops honouring it here at once. */
  async revoke(ownerId: string, token: string): Promise<Date | null> {
    const tokenHash = hashViewToken(token);
    const revokedAt = await revokeViewGrant(this.db, ownerId, tokenHash);
    if (revokedAt) {
      // A lookup still in flight read the row before this: its answer must not be cached.
      this.inFlight.delete(tokenHash);
      this.known.set(tokenHash, { grant: null, checkedAt: Date.now() });
    }
    return revokedAt;
  }

  private grant(tokenHash: string, now: number): ViewGrant | null | Promise<ViewGrant | null> {
    const known = this.known.get(tokenHash);
    if (known && now - known.checkedAt < this.cacheMs) return known.grant;
    let pending = this.inFlight.get(tokenHash);
    if (!pending) {
      const askedAt = Date.now();
      const lookup: Promise<ViewGrant | null> = findViewGrant(this.db, tokenHash)
        .then((grant) => {
          if (this.inFlight.get(tokenHash) !== lookup) return grant; // revoked meanwhile
          if (this.known.size >= MAX_CACHED_GRANTS) this.known.clear();
          this.known.set(tokenHash, { grant, checkedAt: askedAt });
          return grant;
        })
        .finally(() => {
          if (this.inFlight.get(tokenHash) === lookup) this.inFlight.delete(tokenHash);
        });
      this.inFlight.set(tokenHash, lookup);
      pending = lookup;
    }
    return pending;
  }
}
