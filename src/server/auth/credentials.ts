import type { Db } from "../../db/client";
import { isApiTokenRevoked } from "./api-tokens";
import { ViewTokenLookups } from "./view-token-lookups";

/**
 * What a caller proved who they are with, kept so it can be checked again later. A view token acts
 * for its run's owner but reaches that one run only, through the procedures that read it.
 */
export type Credential =
  | { kind: "token"; tokenId: string }
  | { kind: "session"; expiresAt: number }
  | { kind: "view"; tokenHash: string; runId: string; expiresAt: number };

/** Why a credential that was good when presented no longer is. */
export type CredentialLapse = "invalid token" | "invalid session" | "expired view token" | "invalid view token";

/** When the credential stops being valid by itself (epoch ms), or null if it does not. */
export function credentialExpiry(credential: Credential): number | null {
  return credential.kind === "token" ? null : credential.expiresAt;
}

/** False for a view token of another run: that run is, for this caller, not found. */
export function credentialReaches(credential: Credential, runId: string): boolean {
  return credential.kind !== "view" || credential.runId === runId;
}

// Past this many cached tokens the cache starts over: it only saves queries, it decides nothing.
const MAX_CACHED_TOKENS = 10_000;

/**
 * Re-checks credentials for connections that outlive the check made when they opened (WebSockets).
 * A session's expiry is in its cookie. A token's revocation is in the database: it is read at most
 * once per `revocationCacheMs` per token for this whole instance, however many sockets use the
 * token and however often they call. A revoked answer is kept, since revocation is final.
 */
export class CredentialChecks {
  private readonly known = new Map<string, { revoked: boolean; checkedAt: number }>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  /** View tokens, looked up through a cache of the same age as the revocations'. */
  readonly viewTokens: ViewTokenLookups;

  constructor(
    private readonly db: Db,
    readonly revocationCacheMs: number,
  ) {
    this.viewTokens = new ViewTokenLookups(db, revocationCacheMs);
  }

  /** Why the credential no longer holds, or null while it does; rejects when the database cannot answer. */
  async lapse(credential: Credential, now = Date.now()): Promise<CredentialLapse | null> {
    if (credential.kind === "session") return credential.expiresAt <= now ? "invalid session" : null;
    if (credential.kind === "view") {
      if (credential.expiresAt <= now) return "expired view token";
      return (await this.viewTokens.holds(credential.tokenHash, now)) ? null : "invalid view token";
    }
    return (await this.tokenRevoked(credential.tokenId, now)) ? "invalid token" : null;
  }

  private tokenRevoked(tokenId: string, now: number): boolean | Promise<boolean> {
    const known = this.known.get(tokenId);
    if (known && (known.revoked || now - known.checkedAt < this.revocationCacheMs)) return known.revoked;
    let pending = this.inFlight.get(tokenId);
    if (!pending) {
      const askedAt = Date.now();
      pending = isApiTokenRevoked(this.db, tokenId)
        .then((revoked) => {
          if (this.known.size >= MAX_CACHED_TOKENS) this.known.clear();
          this.known.set(tokenId, { revoked, checkedAt: askedAt });
          return revoked;
        })
        .finally(() => this.inFlight.delete(tokenId));
      this.inFlight.set(tokenId, pending);
    }
    return pending;
  }
}
