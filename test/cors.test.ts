import { describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../src/server/auth/session-cookie";
import { useTestServer } from "./support/fixture";
import { request } from "./support/raw-http";

const ALLOWED = "http://localhost:5173";
const api = useTestServer({ allowedOrigins: [ALLOWED] });

const preflight = (origin: string, path = "/api/trpc/run.start") =>
  request(api().server.url, path, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type",
    },
  });

describe("CORS for ALLOWED_ORIGINS", () => {
  it("answers an allowed origin's preflight 204 with what it may send, without credentials", async () => {
    for (const path of [
      "/api/trpc/run.start",
      "/api/trpc/run.get,run.list",
      "/api/runs/00000000-0000-4000-8000-000000000000/events.ndjson",
    ]) {
      const response = await preflight(ALLOWED, path);
      expect(response.status, path).toBe(204);
      expect(response.headers).toMatchObject({
        "access-control-allow-origin": ALLOWED,
        "access-control-allow-methods": "GET, POST, OPTIONS",
        vary: "Origin",
      });
      expect(response.headers["access-control-allow-headers"]).toContain("authorization");
      expect(response.headers["access-control-allow-headers"]).toContain("content-type");
      expect(response.headers["access-control-allow-credentials"]).toBeUndefined();
    }
  });

  it("lets an allowed origin read answers, refusals included; a token works, a cookie is not needed", async () => {
    const authorization = `Bearer ${await api().tokenFor("cross-origin-app")}`;
    const ok = await request(api().server.url, "/api/trpc/run.list", { headers: { origin: ALLOWED, authorization } });
    expect(ok.status).toBe(200);
    expect(ok.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(ok.headers.vary).toContain("Origin");
    const refused = await request(api().server.url, "/api/trpc/run.list", { headers: { origin: ALLOWED } });
    expect(refused.status).toBe(401);
    expect(refused.headers["access-control-allow-origin"]).toBe(ALLOWED);
    // A session cookie that came along (another port on the same site) is not a credential there.
    const cookie = `${SESSION_COOKIE}=${api().server.services.auth.sessions.issue().value}`;
    const withCookie = await request(api().server.url, "/api/trpc/run.list", { headers: { origin: ALLOWED, cookie } });
    expect(withCookie.status).toBe(401);
    const sameOrigin = await request(api().server.url, "/api/trpc/run.list", { headers: { cookie } });
    expect(sameOrigin.status).toBe(200);
  });

  it("gives unlisted origins no CORS headers: their preflight and calls are refused", async () => {
    for (const origin of ["http://localhost:5174", "https://localhost:5173", "http://evil.example", "null"]) {
      const response = await preflight(origin);
      expect(response.status, origin).toBe(403);
      expect(response.headers["access-control-allow-origin"], origin).toBeUndefined();
      const call = await request(api().server.url, "/api/trpc/run.list", {
        headers: { origin, authorization: `Bearer ${await api().tokenFor("x")}` },
      });
      expect(call.status, origin).toBe(403);
      expect(call.headers["access-control-allow-origin"], origin).toBeUndefined();
    }
  });

  it("same-origin requests and pages get no CORS headers (nothing to allow)", async () => {
    const response = await request(api().server.url, "/api/trpc/run.list", {
      headers: { authorization: `Bearer ${await api().tokenFor("y")}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
