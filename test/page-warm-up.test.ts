import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { SESSION_COOKIE, SessionCookies } from "../src/server/auth/session-cookie";
import { warmPages } from "../src/server/http/next-pages";

const sessions = new SessionCookies("page-warm-up-test-secret-0123456789abcdef", 60_000);
let server: http.Server | null = null;

afterEach(() => {
  server?.close();
  server = null;
});

/** A stand-in for the pages: records what it was asked, and answers with `status` (or drops the connection). */
async function pagesServer(answer: number | "drop") {
  const seen: { path: string; host?: string; cookie?: string }[] = [];
  server = http.createServer((req, res) => {
    seen.push({ path: req.url!, host: req.headers.host, cookie: req.headers.cookie });
    if (answer === "drop") req.socket.destroy();
    else res.writeHead(answer).end("page");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("warming the pages at start", () => {
  it("renders the runs page and a run page once, as a fresh session, at the Host the server accepts", async () => {
    const pages = await pagesServer(200);
    await warmPages(sessions, pages.url, "runs.example.test");
    expect(pages.seen.map((request) => request.path)).toEqual(["/", expect.stringMatching(/^\/runs\/[0-9a-f-]{36}$/)]);
    for (const request of pages.seen) {
      expect(request.host).toBe("runs.example.test");
      expect(request.cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
      expect(sessions.fromHeader(request.cookie)).toHaveProperty("session");
    }
  });

  it("is best effort: pages that fail or drop the connection do not stop the start", async () => {
    for (const answer of [500, "drop"] as const) {
      const pages = await pagesServer(answer);
      await warmPages(sessions, pages.url, "127.0.0.1");
      expect(pages.seen).toHaveLength(2);
      server!.close();
    }
  });
});
