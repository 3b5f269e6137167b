import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "live_runs_session";

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
    const ownerId = `anon:${randomUUID()}`;
    const payload = `${ownerId}.${now + this.maxAgeMs}`;
    return { ownerId, value: `${payload}.${this.sign(payload)}`, maxAgeSeconds: Math.floor(this.maxAgeMs / 1000) };
  }

  /** The owner id of a valid, unexpired cookie value; null for anything else. */
  verify(value: string | undefined, now = Date.now()): string | null {
    const lastDot = value?.lastIndexOf(".") ?? -1;
    if (!value || lastDot < 0) return null;
    const payload = value.slice(0, lastDot);
    const signature = Buffer.from(value.slice(lastDot + 1));
    const expected = Buffer.from(this.sign(payload));
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null;
    const expiryDot = payload.lastIndexOf(".");
    const expiresAt = Number(payload.slice(expiryDot + 1));
    if (!Number.isFinite(expiresAt) || expiresAt <= now) return null;
    return payload.slice(0, expiryDot);
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.secret).update(payload).digest("base64url");
  }
}

/** The value of one cookie from a Cookie header; one with a malformed escape counts as absent. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        continue;
      }
    }
  }
  return undefined;
}

export function sessionCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}
