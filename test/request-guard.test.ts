import http from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../src/server/auth/session-cookie";
import { silentLogger } from "../src/server/log";
import { guardUpgrades, type RequestHandler } from "../src/server/http/guard";
import { createRequestHandler } from "../src/server/http/handler";
import { useTestServer } from "./support/fixture";
import { exchange, request } from "./support/raw-http";

const api = useTestServer();

describe("nothing one request throws reaches the process (API only)", () => {
  it("GET /api/trpc/x%E0 answers 400 and the server keeps serving", async () => {
    const { url } = api().server;
    for (const path of ["/api/trpc/x%E0", "/api/trpc/run.list,x%E0?batch=1", "/x%E0", "/api/trpc/%"]) {
      expect((await request(url, path)).status, path).toBe(400);
    }
    expect((await request(url, "/healthz")).status).toBe(200);
    expect(await api().client().trpc.run.list.query()).toEqual({ items: [], nextCursor: null });
  });

  it("a Host header with user info or other punctuation answers 400 over HTTP and WebSocket (it used to be a 500)", async () => {
    const { url } = api().server;
    const authorization = `Bearer ${await api().tokenFor("host-prober")}`;
    for (const host of ["0@0", "a@127.0.0.1", "$@&", "x/y", "a b", "[:::]", "999.999.999.999", "h:99999999"]) {
      expect(
        (await request(url, "/api/trpc/run.list", { headers: { host, authorization, origin: "http://x" } })).status,
        host,
      ).toBe(400);
      const upgrade = `GET /api/trpc HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
      expect((await exchange(url, upgrade)).statuses, `upgrade with ${host}`).toEqual([400]);
    }
    for (const host of ["live_runs:3000", "[::1]:3000", "runs.example"]) {
      expect((await request(url, "/api/trpc/run.list", { headers: { host, authorization } })).status, host).toBe(200);
    }
  });

  it("a session cookie with a malformed escape is no session (401), not a 500", async () => {
    for (const cookie of [`${SESSION_COOKIE}=%E0%`, `${SESSION_COOKIE}=%zz`]) {
      expect((await request(api().server.url, "/api/trpc/run.list", { headers: { cookie } })).status, cookie).toBe(401);
    }
  });

  it("bytes that are not HTTP answer 400 and the connection is closed", async () => {
    const { url } = api().server;
    for (const bytes of [
      "GARBAGE\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
      "GET /\x00 HTTP/1.1\r\n\r\n",
    ]) {
      const { statuses } = await exchange(url, bytes);
      expect(statuses, JSON.stringify(bytes)).toEqual([400]);
    }
    const oversized = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`;
    expect((await exchange(url, oversized)).statuses).toEqual([431]);
    expect((await request(url, "/healthz")).status).toBe(200);
  });

  it("a WebSocket upgrade to a malformed path answers 400", async () => {
    const { url } = api().server;
    const upgrade = (path: string) =>
      `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
    expect((await exchange(url, upgrade("/api/trpc/x%E0"))).statuses).toEqual([400]);
    expect((await request(url, "/healthz")).status).toBe(200);
  });
});

describe("the request handler with pages that fail", () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** The real handler on its own port, with `pages` standing in for Next.js. */
  async function withPages(pages: RequestHandler): Promise<string> {
    server = http.createServer(createRequestHandler(api().server.services, { dev: false, handle: pages }));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("answers 500 with an error id when pages throw or reject, 400 for a malformed path, and keeps serving", async () => {
    const url = await withPages((req) => {
      if (req.url === "/throws") throw new Error("page broke");
      if (req.url === "/rejects") return Promise.reject(new Error("page broke later"));
      if (req.url === "/uri") decodeURIComponent("%E0");
      return Promise.reject(new Error("unreachable in this test"));
    });
    for (const path of ["/throws", "/rejects"]) {
      const response = await request(url, path);
      expect(response.status, path).toBe(500);
      const body = JSON.parse(response.body) as { error: string; errorId: string };
      expect(body.errorId).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.body).not.toContain("page broke");
    }
    expect((await request(url, "/uri")).status).toBe(400);
    expect((await request(url, "/x%E0")).status).toBe(400);
    expect((await request(url, "/api/trpc/x%E0")).status).toBe(400);
    expect((await request(url, "/healthz")).status).toBe(200);
  });

  it("drops the connection when pages fail after the response has started", async () => {
    const url = await withPages((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.write("<p>half a page");
      return Promise.reject(new Error("failed mid-page"));
    });
    await expect(request(url, "/")).rejects.toThrow(/aborted|hang up|ECONNRESET/);
    expect((await request(url, "/healthz")).status).toBe(200);
  });
});

describe("upgrade guard", () => {
  it("answers 500 when the upgrade handler throws or rejects, and the server keeps serving", async () => {
    const server = http.createServer((_req, res) => res.end("ok"));
    server.on(
      "upgrade",
      guardUpgrades(silentLogger, (req) => {
        if (req.url === "/throws") throw new Error("upgrade broke");
        return Promise.reject(new Error("upgrade broke later"));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ["/throws", "/rejects"]) {
        const bytes = `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`;
        expect((await exchange(url, bytes)).statuses, path).toEqual([500]);
      }
      expect((await request(url, "/")).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("gives the handed-over socket an error listener, so a reset mid-handshake is not an unhandled 'error'", () => {
    const socket = new PassThrough();
    guardUpgrades(silentLogger, () => {})({} as http.IncomingMessage, socket, Buffer.alloc(0));
    expect(() => socket.emit("error", new Error("read ECONNRESET"))).not.toThrow();
  });
});
