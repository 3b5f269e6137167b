import type { IncomingHttpHeaders } from "node:http";
import type { Db } from "../../db/client";
import { findLiveApiToken } from "./api-tokens";
import type { Credential } from "./credentials";
import { isAnonymousOwner, type SessionCookies } from "./session-cookie";
import type { ViewTokenLookups } from "./view-token-lookups";
import { isViewToken } from "./view-tokens";

/** Who is calling: an owner id and the credential that showed it, or why there is none. */
export type Caller =
  | { ownerId: string; credential: Credential }
  | {
      ownerId: null;
      problem:
        | "missing"
        | "malformed authorization"
        | "invalid token"
        | "invalid view token"
        | "invalid session"
        | "ambiguous session";
    };

/** A caller acting for an anonymous owner (free to mint, so not accountable: limited per address). */
export function isAnonymous(caller: Caller): boolean {
  return caller.ownerId !== null && isAnonymousOwner(caller.ownerId);
}

/**
 * A bearer token (HTTP header, or `token` in the WebSocket's connectionParams) wins over the
 * session cookie. A token that is present but wrong or revoked, or an Authorization header that is
 * not `Bearer <token>`, is refused: the cookie is never the fallback for a credential that failed.
 * A view token (told apart by its prefix) acts for its run's owner, scoped to that run.
 */
export async function identifyCaller(
  db: Db,
  auth: { sessions: SessionCookies; viewTokens: ViewTokenLookups },
  headers: IncomingHttpHeaders,
  connectionToken?: string,
): Promise<Caller> {
  const { authorization } = headers;
  const bearer = authorization === undefined ? connectionToken : /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (authorization !== undefined && bearer === undefined) return { ownerId: null, problem: "malformed authorization" };
  if (bearer !== undefined && isViewToken(bearer)) {
    const grant = await auth.viewTokens.find(bearer);
    if (!grant) return { ownerId: null, problem: "invalid view token" };
    const { tokenHash, runId, expiresAt } = grant;
    return { ownerId: grant.ownerId, credential: { kind: "view", tokenHash, runId, expiresAt } };
  }
  if (bearer !== undefined) {
    const token = await findLiveApiToken(db, bearer);
    return token
      ? { ownerId: token.ownerId, credential: { kind: "token", tokenId: token.id } }
      : { ownerId: null, problem: "invalid token" };
  }
  const found = auth.sessions.fromHeader(headers.cookie);
  if ("problem" in found) return { ownerId: null, problem: found.problem };
  return { ownerId: found.session.ownerId, credential: { kind: "session", expiresAt: found.session.expiresAt } };
}
