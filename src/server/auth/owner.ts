import type { IncomingHttpHeaders } from "node:http";
import type { Db } from "../../db/client";
import { findLiveApiToken } from "./api-tokens";
import type { Credential } from "./credentials";
import type { SessionCookies } from "./session-cookie";

/** Who is calling: an owner id and the credential that showed it, or why there is none. */
export type Caller =
  | { ownerId: string; credential: Credential }
  | {
      ownerId: null;
      problem: "missing" | "malformed authorization" | "invalid token" | "invalid session" | "ambiguous session";
    };

/**
 * A bearer token (HTTP header, or `token` in the WebSocket's connectionParams) wins over the
 * session cookie. A token that is present but wrong or revoked, or an Authorization header that is
 * not `Bearer <token>`, is refused: the cookie is never the fallback for a credential that failed.
 */
export async function identifyCaller(
  db: Db,
  sessions: SessionCookies,
  headers: IncomingHttpHeaders,
  connectionToken?: string,
): Promise<Caller> {
  const { authorization } = headers;
  const bearer = authorization === undefined ? connectionToken : /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (authorization !== undefined && bearer === undefined) return { ownerId: null, problem: "malformed authorization" };
  if (bearer !== undefined) {
    const token = await findLiveApiToken(db, bearer);
    return token
      ? { ownerId: token.ownerId, credential: { kind: "token", tokenId: token.id } }
      : { ownerId: null, problem: "invalid token" };
  }
  const found = sessions.fromHeader(headers.cookie);
  if ("problem" in found) return { ownerId: null, problem: found.problem };
  return { ownerId: found.session.ownerId, credential: { kind: "session", expiresAt: found.session.expiresAt } };
}
