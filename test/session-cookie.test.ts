import { describe, expect, it } from "vitest";
import { SESSION_COOKIE, sessionCookieHeader, SessionCookies } from "../src/server/auth/session-cookie";

const DAY = 24 * 60 * 60 * 1000;

describe("session cookies", () => {
  const cookies = new SessionCookies("secret-one", DAY);

  it("verify what they issue, as the same anonymous owner, with its expiry", () => {
    const now = Date.now();
    const { ownerId, value } = cookies.issue(now);
    expect(ownerId).toMatch(/^anon:[0-9a-f-]{36}$/);
    expect(cookies.verify(value)).toEqual({ ownerId, expiresAt: now + DAY });
  });

  it("refuse forged, tampered, expired and foreign-secret values", () => {
    const now = Date.now();
    const { value } = cookies.issue(now);
    const [owner, expiry, signature] = [
      value.slice(0, value.indexOf(".")),
      ...value.slice(value.indexOf(".") + 1).split("."),
    ];
    expect(cookies.verify(`anon:someone-else.${expiry}.${signature}`)).toBeNull();
    expect(cookies.verify(`${owner}.${Number(expiry) + DAY}.${signature}`)).toBeNull();
    expect(cookies.verify(`${owner}.${expiry}.${signature!.slice(0, -2)}xx`)).toBeNull();
    expect(cookies.verify(value, now + DAY + 1)).toBeNull();
    expect(new SessionCookies("secret-two", DAY).verify(value)).toBeNull();
    for (const junk of ["", "no-dots", "a.b", "..", "anon:x.notanumber.sig"]) expect(cookies.verify(junk)).toBeNull();
  });

  it("refuse a correctly signed value for an owner that is not anonymous", () => {
    const signer = cookies as unknown as { sign(payload: string): string };
    for (const owner of ["test-owner", "ci-bot", "xanon:1", ""]) {
      const payload = `${owner}.${Date.now() + DAY}`;
      expect(cookies.verify(`${payload}.${signer.sign(payload)}`), owner).toBeNull();
    }
  });

  it("are found in a Cookie header among others, once, and never throw on what a client sends", () => {
    const { ownerId, value } = cookies.issue();
    const mine = `${SESSION_COOKIE}=${encodeURIComponent(value)}`;
    expect(cookies.fromHeader(`a=1; ${mine}; b=%`)).toMatchObject({ session: { ownerId } });
    expect(cookies.fromHeader(`a=1;${mine}`)).toMatchObject({ session: { ownerId } });
    expect(cookies.fromHeader("a=1")).toEqual({ problem: "missing" });
    expect(cookies.fromHeader(undefined)).toEqual({ problem: "missing" });
    expect(cookies.fromHeader("")).toEqual({ problem: "missing" });
    for (const header of [`${SESSION_COOKIE}=%E0%A4%A`, `${SESSION_COOKIE}=`, `${SESSION_COOKIE}=%`, `${mine}x`]) {
      expect(cookies.fromHeader(header), header).toEqual({ problem: "invalid session" });
    }
    for (const header of [`${mine}; ${mine}`, `${mine}; ${SESSION_COOKIE}=%E0`, ` ${SESSION_COOKIE}=x;${mine}`]) {
      expect(cookies.fromHeader(header), header).toEqual({ problem: "ambiguous session" });
    }
  });

  it("are set HttpOnly, SameSite=Lax, for the whole site, Secure when asked", () => {
    expect(sessionCookieHeader("anon:a.1.s", 60, false)).toBe(
      `${SESSION_COOKIE}=anon%3Aa.1.s; Max-Age=60; Path=/; HttpOnly; SameSite=Lax`,
    );
    expect(sessionCookieHeader("anon:a.1.s", 60, true)).toMatch(/; Secure(;|$)/);
  });
});
