import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { parseCookie, stringifySetCookie } from "cookie";

export const SESSION_COOKIE = "live_runs_session";

/** Sessions only ever name anonymous owners; token owners are never reachable through a cookie. */
const ANONYMOUS_OWNER_PREFIX = "anon:";

export interface Session {
  ownerId: string;
  /** Epoch ms; the session is refused from then on, also on a WebSocket opened before. */
  expiresAt: number;
}

/** The session a request's Cookie header carries, or why there is none to trust. */
export type SessionLookup = { session: Session } | { problem: "missing" | "invalid session" | "ambiguous session" };

/**
 * Anonymous browser sessions: the cookie holds "<ownerId>.<expiresAtMs>.<hmac>", signed with the
 * server's secret, so a client can neither forge an owner nor extend its expiry. Nothing is stored
 * server-side; the owner id is what runs are filed under.
 */
export class SessionCookies {
  constructor(
    private readonly secret: string,
    private readonly maxAgeMs: number,
  ) {}

  /** A new anonymous owner with a signed cookie value for it. */
  issue(now = Date.now()): { ownerId: string; value: string; maxAgeSeconds: number } {
    const ownerId = `${ANONYMOUS_OWNER_PREFIX}${randomUUID()}`;
    const payload = `${ownerId}.${now + this.maxAgeMs}`;
    return { ownerId, value: `${payload}.${this.sign(payload)}`, maxAgeSeconds: Math.floor(this.maxAgeMs / 1000) };
  }

  /**
   * The session of a valid, unexpired cookie value for an anonymous owner; null for anything else.
   * A correctly signed value naming any other owner is refused too, should the secret ever leak.
   */
  verify(value: string | undefined, now = Date.now()): Session | null {
    const lastDot = value?.lastIndexOf(".") ?? -1;
    if (!value || lastDot < 0) return null;
    const payload = value.slice(0, lastDot);
    const signature = Buffer.from(value.slice(lastDot + 1));
    const expected = Buffer.from(this.sign(payload));
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null;
    const expiryDot = payload.lastIndexOf(".");
    const expiresAt = Number(payload.slice(expiryDot + 1));
    const ownerId = payload.slice(0, expiryDot);
    if (!Number.isFinite(expiresAt) || expiresAt <= now || !ownerId.startsWith(ANONYMOUS_OWNER_PREFIX)) return null;
    return { ownerId, expiresAt };
  }

  /**
   * The session in a Cookie header. More than one session cookie is refused as ambiguous: a sibling
   * origin (another subdomain, or a path of its own) can plant one beside ours, and we cannot tell
   * which is which. A value that is not valid percent-encoding is an invalid session, never an error.
   */
  fromHeader(header: string | undefined, now = Date.now()): SessionLookup {
    const values = sessionCookieValues(header);
    if (values.length === 0) return { problem: "missing" };
    if (values.length > 1) return { problem: "ambiguous session" };
    const session = this.verify(values[0], now);
    return session ? { session } : { problem: "invalid session" };
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.secret).update(payload).digest("base64url");
  }
}

/** Owners that issue() minted: anonymous browser sessions, as opposed to API tokens' owners. */
export function isAnonymousOwner(ownerId: string): boolean {
  return ownerId.startsWith("anon:");
}

/**
 * Every value the header gives the session cookie. `cookie` keeps only the first of several pairs
 * with one name, so each pair is parsed on its own; its default decoding leaves a malformed value
 * as it is (which then fails verification) instead of throwing.
 */
function sessionCookieValues(header: string | undefined): string[] {
  return (header ?? "").split(";").flatMap((pair) => {
    const value = parseCookie(pair)[SESSION_COOKIE];
    return value === undefined ? [] : [value];
  });
}

export function sessionCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return stringifySetCookie({
    name: SESSION_COOKIE,
    value,
    path: "/",
    maxAge: maxAgeSeconds,
    httpOnly: true,
    sameSite: "lax",
    secure,
  });
}
