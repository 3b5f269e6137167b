import type { IncomingHttpHeaders } from "node:http";
import type { Db } from "../../db/client";
import { ownerOfApiToken } from "./api-tokens";
import { readCookie, SESSION_COOKIE, type SessionCookies } from "./session-cookie";

/** Who is calling: an owner id, or why there is none. */
export type Caller = { ownerId: string } | { ownerId: null; problem: "missing" | "invalid token" | "invalid session" };

/**
 * A bearer token (HTTP header, or `token` in the WebSocket's connectionParams) wins over the
 * session cookie; a token that is present but wrong or revoked is refused, not ignored.
 */
export async function identifyCaller(
  db: Db,
  sessions: SessionCookies,
  headers: IncomingHttpHeaders,
  connectionToken?: string,
): Promise<Caller> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1] ?? connectionToken;
  if (bearer) {
    const ownerId = await ownerOfApiToken(db, bearer);
    return ownerId ? { ownerId } : { ownerId: null, problem: "invalid token" };
  }
  const cookie = readCookie(headers.cookie, SESSION_COOKIE);
  if (cookie === undefined) return { ownerId: null, problem: "missing" };
  const ownerId = sessions.verify(cookie);
  return ownerId ? { ownerId } : { ownerId: null, problem: "invalid session" };
}
