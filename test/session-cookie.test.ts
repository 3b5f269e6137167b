import { describe, expect, it } from "vitest";
import { readCookie, SessionCookies } from "../src/server/auth/session-cookie";

const DAY = 24 * 60 * 60 * 1000;

describe("session cookies", () => {
  const cookies = new SessionCookies("secret-one", DAY);

  it("verify what they issue, as the same anonymous owner", () => {
    const { ownerId, value } = cookies.issue();
    expect(ownerId).toMatch(/^anon:[0-9a-f-]{36}$/);
    expect(cookies.verify(value)).toBe(ownerId);
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

  it("are read from a Cookie header among others", () => {
    expect(readCookie("a=1; live_runs_session=x.y.z; b=2", "live_runs_session")).toBe("x.y.z");
    expect(readCookie("a=1", "live_runs_session")).toBeUndefined();
    expect(readCookie(undefined, "live_runs_session")).toBeUndefined();
  });
});
