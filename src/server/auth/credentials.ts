import type { Db } from "../../db/client";
import { isApiTokenRevoked } from "./api-tokens";

/** What a caller proved who they are with, kept so it can be checked again later. */
export type Credential = { kind: "token"; tokenId: string } | { kind: "session"; expiresAt: number };

/** Why a credential that was good when presented no longer is. */
export type CredentialLapse = "invalid token" | "invalid session";

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

  constructor(
    private readonly db: Db,
    readonly revocationCacheMs: number,
  ) {}

  /** Why the credential no longer holds, or null while it does; rejects when the database cannot answer. */
  async lapse(credential: Credential, now = Date.now()): Promise<CredentialLapse | null> {
    if (credential.kind === "session") return credential.expiresAt <= now ? "invalid session" : null;
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
