import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../src/server/auth/session-cookie";
import { createRequestHandler } from "../src/server/http/handler";
import { useTestServer } from "./support/fixture";
import { codeOf, socketClient } from "./support/ws-client";

const api = useTestServer();

const cookieOf = (value: string) => `${SESSION_COOKIE}=${encodeURIComponent(value)}`;
const freshCookie = () => cookieOf(api().server.services.auth.sessions.issue().value);

/** run.list over HTTP with these headers: the status and the tRPC error code, if any. */
async function listOverHttp(headers: Record<string, string>) {
  const response = await fetch(`${api().server.url}/api/trpc/run.list`, { headers });
  const body = (await response.json()) as { error?: { data?: { code?: string } } };
  return { status: response.status, code: body.error?.data?.code ?? "OK" };
}

/** run.list over a WebSocket opened with these handshake headers. */
async function listOverSocket(headers: Record<string, string>, token?: string) {
  const client = socketClient(api().server.url, { headers, ...(token !== undefined ? { token } : {}) });
  try {
    return await codeOf(() => client.trpc.run.list.query());
  } finally {
    await client.close();
  }
}

describe("session cookies", () => {
  it("a cookie value that is not valid percent-encoding is an invalid session, over HTTP and WebSocket", async () => {
    for (const raw of ["%E0%A4%A", "%", "anon%3A%ZZ.1.x"]) {
      const headers = { cookie: `${SESSION_COOKIE}=${raw}` };
      expect(await listOverHttp(headers), raw).toEqual({ status: 401, code: "UNAUTHORIZED" });
      expect(await listOverSocket(headers), raw).toBe("UNAUTHORIZED");
    }
    // The server is still fine, and a good cookie still works.
    expect(await listOverHttp({ cookie: freshCookie() })).toEqual({ status: 200, code: "OK" });
  });

  it("two session cookies are refused as ambiguous, even when each is valid on its own", async () => {
    const [mine, planted] = [freshCookie(), freshCookie()];
    expect(await listOverHttp({ cookie: mine })).toEqual({ status: 200, code: "OK" });
    expect(await listOverHttp({ cookie: planted })).toEqual({ status: 200, code: "OK" });
    for (const cookie of [`${mine}; ${planted}`, `${planted}; other=1; ${mine}`, `${mine}; ${mine}`]) {
      expect(await listOverHttp({ cookie }), cookie).toEqual({ status: 401, code: "UNAUTHORIZED" });
      expect(await listOverSocket({ cookie }), cookie).toBe("UNAUTHORIZED");
    }
  });

  it("a correctly signed cookie that names a non-anonymous owner (a token's owner) is refused", async () => {
    const signer = api().server.services.auth.sessions as unknown as { sign(payload: string): string };
    const payload = `test-owner.${Date.now() + 60_000}`;
    const headers = { cookie: cookieOf(`${payload}.${signer.sign(payload)}`) };
    expect(await listOverHttp(headers)).toEqual({ status: 401, code: "UNAUTHORIZED" });
    expect(await listOverSocket(headers)).toBe("UNAUTHORIZED");
  });
});

describe("the Authorization header", () => {
  it("when present but not `Bearer <token>`, answers UNAUTHORIZED and never falls back to the cookie", async () => {
    const token = await api().tokenFor("hana");
    const cookie = freshCookie();
    expect(await listOverHttp({ cookie })).toEqual({ status: 200, code: "OK" });
    expect(await listOverHttp({ cookie, authorization: `Bearer ${token}` })).toEqual({ status: 200, code: "OK" });
    for (const authorization of ["", "Basic aGFuYTpwdw==", "Bearer", "Bearer ", token, `Bearer ${token} extra`]) {
      expect(await listOverHttp({ cookie, authorization }), authorization).toEqual({
        status: 401,
        code: "UNAUTHORIZED",
      });
      // On the WebSocket, not even a good token in connectionParams makes up for a bad header.
      expect(await listOverSocket({ cookie, authorization }, token), authorization).toBe("UNAUTHORIZED");
    }
  });
});

describe("page requests", () => {
  let pages: http.Server;
  let pagesUrl: string;
  beforeAll(async () => {
    // The real request handler in front of a stand-in for Next.js, so ensureSession runs as in production.
    pages = http.createServer(
      createRequestHandler(api().server.services, { dev: false, handle: (_req, res) => void res.end("page") }),
    );
    await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
    pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => pages.close(() => resolve())));

  async function page(cookie?: string) {
    const response = await fetch(`${pagesUrl}/runs`, { headers: cookie ? { cookie } : {} });
    return { status: response.status, body: await response.text(), setCookie: response.headers.get("set-cookie") };
  }

  it("get a new session when they have none or a malformed one, and keep a valid one", async () => {
    for (const cookie of [undefined, `${SESSION_COOKIE}=%E0%A4%A`, `${SESSION_COOKIE}=x.y.z`]) {
      const answer = await page(cookie);
      expect(answer, cookie).toMatchObject({ status: 200, body: "page" });
      const issued = answer.setCookie?.split(";")[0];
      expect(issued, cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
      expect(await listOverHttp({ cookie: issued! })).toEqual({ status: 200, code: "OK" });
    }
    expect(await page(freshCookie())).toMatchObject({ status: 200, body: "page", setCookie: null });
  });

  it("with two session cookies, are served without replacing either (the API refuses both)", async () => {
    const twoCookies = `${freshCookie()}; ${freshCookie()}`;
    expect(await page(twoCookies)).toMatchObject({ status: 200, body: "page", setCookie: null });
  });
});
