import type { IncomingHttpHeaders } from "node:http";
import type { Db } from "../../db/client";
import { ownerOfApiToken } from "./api-tokens";
import type { SessionCookies } from "./session-cookie";

/** Who is calling: an owner id, or why there is none. */
export type Caller =
  | { ownerId: string }
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
    const ownerId = await ownerOfApiToken(db, bearer);
    return ownerId ? { ownerId } : { ownerId: null, problem: "invalid token" };
  }
  const found = sessions.fromHeader(headers.cookie);
  return "problem" in found ? { ownerId: null, problem: found.problem } : { ownerId: found.session.ownerId };
}

/** Browsers send Origin; it must be this server's own origin or one configured as allowed. */
export function originAllowed(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true; // not a browser: programs authenticate with tokens
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}
