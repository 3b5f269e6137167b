import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../src/server/auth/session-cookie";
import { createRequestHandler } from "../src/server/http/handler";
import type { Pages } from "../src/server/http/next-pages";
import { webSocketOrigins } from "../src/server/http/origin";
import { pagePolicy } from "../src/server/http/security-headers";
import { useTestServer } from "./support/fixture";
import { exchange, request, type RawResponse } from "./support/raw-http";

const api = useTestServer();

const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

function expectSecurityHeaders(response: RawResponse, label: string, policy: string | RegExp = API_POLICY) {
  const headers = response.headers;
  if (typeof policy === "string") expect(headers["content-security-policy"], label).toBe(policy);
  else expect(headers["content-security-policy"], label).toMatch(policy);
  expect(headers["x-content-type-options"], label).toBe("nosniff");
  expect(headers["referrer-policy"], label).toBe("strict-origin-when-cross-origin");
  expect(headers["x-powered-by"], label).toBeUndefined();
}

describe("security headers on API responses", () => {
  it("every answer carries the policy, nosniff and the referrer policy, whatever its status", async () => {
    const { url } = api().server;
    const authorization = `Bearer ${await api().tokenFor("header-reader")}`;
    const json = { authorization, "content-type": "application/json" };
    const answers: [string, Promise<RawResponse>][] = [
      ["200 query", request(url, "/api/trpc/run.list", { headers: { authorization } })],
      ["401 no credentials", request(url, "/api/trpc/run.list")],
      ["404 unknown procedure", request(url, "/api/trpc/run.nope", { headers: { authorization } })],
      ["400 bad input", request(url, "/api/trpc/run.start", { method: "POST", headers: json, body: "{" })],
      ["413 body", request(url, "/api/trpc/run.start", { method: "POST", headers: json, body: "x".repeat(1_100_000) })],
      ["400 malformed URL", request(url, "/api/trpc/x%E0")],
      ["200 probe", request(url, "/healthz")],
      ["404 no pages", request(url, "/")],
    ];
    for (const [label, answer] of answers) expectSecurityHeaders(await answer, label);
  });

  it("a refusal written straight to the socket carries them too", async () => {
    const { text, statuses } = await exchange(api().server.url, "NOT HTTP\r\n\r\n");
    expect(statuses).toEqual([400]);
    expect(text.toLowerCase()).toContain(`content-security-policy: ${API_POLICY}`);
    expect(text.toLowerCase()).toContain("x-content-type-options: nosniff");
  });
});

describe("the pages' policy", () => {
  it("allows scripts from this origin and with this nonce only, WebSockets to this host, no framing", () => {
    const webSockets = webSocketOrigins("runs.example:8443", { publicOrigin: null, allowedOrigins: [] });
    const policy = pagePolicy({ nonce: "abc123", dev: false, webSockets });
    const directives = new Map(policy.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
    expect(directives.get("script-src")).toEqual(["'self'", "'nonce-abc123'"]);
    expect(directives.get("connect-src")).toEqual(["'self'", "ws://runs.example:8443", "wss://runs.example:8443"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("object-src")).toEqual(["'none'"]);
    expect(pagePolicy({ nonce: "n", dev: true, webSockets })).toContain("script-src 'self' 'nonce-n' 'unsafe-eval'");
  });

  it("names PUBLIC_URL's WebSocket origin when set, and never a Host header that is more than a host and port", () => {
    const connectSrc = (host: string | undefined, publicOrigin: string | null = null) =>
      pagePolicy({ nonce: "n", dev: false, webSockets: webSocketOrigins(host, { publicOrigin, allowedOrigins: [] }) })
        .split("; ")
        .find((directive) => directive.startsWith("connect-src"));
    expect(connectSrc("anything:1", "https://runs.example")).toBe("connect-src 'self' wss://runs.example");
    expect(connectSrc("anything:1", "http://runs.example:8080")).toBe("connect-src 'self' ws://runs.example:8080");
    for (const host of ["evil; script-src *", "a b", "x'", undefined]) {
      expect(connectSrc(host), String(host)).toBe("connect-src 'self'");
    }
  });
});

describe("page responses through the request handler", () => {
  const seenPolicies: (string | undefined)[] = [];
  // Stands in for Next.js: marks the page cacheable for a year, as Next does for a prerendered page.
  const pages: Pages = {
    dev: false,
    handle(req, res) {
      seenPolicies.push(req.headers["content-security-policy"] as string | undefined);
      if (req.url === "/write-head") {
        res.writeHead(200, { "Cache-Control": "s-maxage=31536000", "content-type": "text/html" }).end("<p>page</p>");
        return;
      }
      res.setHeader("Cache-Control", "s-maxage=31536000");
      res.setHeader("content-type", "text/html");
      res.end("<p>page</p>");
    },
  };
  const server = http.createServer();
  let url = "";
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function page(path: string, headers: http.OutgoingHttpHeaders = {}) {
    if (!url) {
      server.on("request", createRequestHandler(api().server.services, pages));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    return request(url, path, { headers });
  }

  it("a response that sets the session cookie is private, no-store, however the page set its caching", async () => {
    for (const path of ["/", "/write-head"]) {
      const response = await page(path);
      expect(response.headers["set-cookie"]?.[0], path).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
      expect(response.headers["cache-control"], path).toBe("private, no-store");
    }
  });

  it("a page for a browser with a valid session sets no cookie and keeps the page's own caching", async () => {
    const cookie = `${SESSION_COOKIE}=${api().server.services.auth.sessions.issue().value}`;
    const response = await page("/", { cookie });
    expect(response.headers["set-cookie"]).toBeUndefined();
    expect(response.headers["cache-control"]).toBe("s-maxage=31536000");
  });

  it("each page response gets its own nonce, the same one Next.js reads from the request", async () => {
    seenPolicies.length = 0;
    const [first, second] = [await page("/"), await page("/")];
    for (const response of [first, second]) {
      expectSecurityHeaders(response, "page", /^default-src 'self'; script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/);
    }
    expect(seenPolicies).toEqual([first.headers["content-security-policy"], second.headers["content-security-policy"]]);
    expect(first.headers["content-security-policy"]).not.toBe(second.headers["content-security-policy"]);
  });
});
