import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../src/env";
import { hostAllowed } from "../src/server/http/origin";
import { useTestServer } from "./support/fixture";
import { request } from "./support/raw-http";

const ALLOWED = "https://app.example";
const PUBLIC_URL = "https://runs.example:8443";
const PUBLIC_HOST = "runs.example:8443";

// Without PUBLIC_URL the server's own origin is the request's Host (over http or https).
const local = useTestServer({ allowedOrigins: [ALLOWED] });
// With PUBLIC_URL it is that origin, and the only Host answered.
const published = useTestServer({ allowedOrigins: [ALLOWED], http: { publicOrigin: PUBLIC_URL } });

/** Status of run.list over HTTP with these headers (a valid token, so only Host and Origin decide). */
async function listStatus(server: typeof local, headers: Record<string, string>, path = "/api/trpc/run.list") {
  const authorization = `Bearer ${await server().tokenFor("origin-tester")}`;
  return (await request(server().server.url, path, { headers: { authorization, ...headers } })).status;
}

/** The HTTP status of a WebSocket handshake to /api/trpc: 101 when it opened. */
function handshakeStatus(server: typeof local, headers: Record<string, string>): Promise<number> {
  const url = `${server().server.url.replace("http", "ws")}/api/trpc`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("open", () => {
      socket.close();
      resolve(101);
    });
    socket.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once("error", reject);
  });
}

describe("origins without PUBLIC_URL", () => {
  it("accepts the request's own host over http or https, and allowed origins exactly; refuses other ports, schemes and hosts", async () => {
    const { host } = new URL(local().server.url);
    const [hostname, port] = host.split(":");
    const cases: [string, number][] = [
      [`http://${host}`, 200],
      [`https://${host}`, 200],
      [ALLOWED, 200],
      [`http://${hostname}:${Number(port) + 1}`, 403],
      [`ws://${host}`, 403],
      [`ftp://${host}`, 403],
      ["http://app.example", 403],
      [`${ALLOWED}:8443`, 403],
      ["http://evil.example", 403],
      ["null", 403],
      [`http://${host}/`, 403],
    ];
    for (const [origin, status] of cases) {
      expect(await listStatus(local, { origin }), origin).toBe(status);
      expect(await handshakeStatus(local, { origin }), `WebSocket from ${origin}`).toBe(status === 200 ? 101 : 403);
    }
    expect(await listStatus(local, {}), "no Origin: not a browser").toBe(200);
  });
});

describe("origins and Host with PUBLIC_URL", () => {
  it("answers only requests addressed to PUBLIC_URL's host (421 otherwise); probes answer any Host", async () => {
    const { host: ownAddress } = new URL(published().server.url);
    expect(await listStatus(published, { host: PUBLIC_HOST })).toBe(200);
    expect(await listStatus(published, { host: "RUNS.example:8443" })).toBe(200);
    for (const host of [ownAddress, "runs.example", "runs.example:443", "evil.example:8443", "attacker.example"]) {
      expect(await listStatus(published, { host }), host).toBe(421);
      expect(await listStatus(published, { host }, "/"), `${host} /`).toBe(421);
      expect(await handshakeStatus(published, { host, origin: PUBLIC_URL }), `WebSocket to ${host}`).toBe(421);
    }
    expect((await request(published().server.url, "/healthz", { headers: { host: "10.0.0.7:3000" } })).status).toBe(
      200,
    );
  });

  it("accepts PUBLIC_URL's origin and allowed origins; refuses the same host over another scheme or port", async () => {
    const cases: [string, number][] = [
      [PUBLIC_URL, 200],
      [ALLOWED, 200],
      [`http://${PUBLIC_HOST}`, 403],
      ["https://runs.example", 403],
      ["https://runs.example:8444", 403],
    ];
    for (const [origin, status] of cases) {
      expect(await listStatus(published, { host: PUBLIC_HOST, origin }), origin).toBe(status);
      expect(await handshakeStatus(published, { host: PUBLIC_HOST, origin }), `WebSocket from ${origin}`).toBe(
        status === 200 ? 101 : 403,
      );
    }
  });

  it("PUBLIC_URL's default port may be named in Host or left out", () => {
    const policy = { publicOrigin: "https://runs.example", allowedOrigins: [] };
    const allowed = (host: string) => hostAllowed({ host }, policy);
    expect([allowed("runs.example"), allowed("runs.example:443"), allowed("runs.example:80")]).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe("settings", () => {
  it("PUBLIC_URL keeps only its origin; ALLOWED_ORIGINS must be origins", () => {
    expect(parseEnv({ PUBLIC_URL: "https://Runs.Example:443/app/" }).PUBLIC_URL).toBe("https://runs.example");
    expect(parseEnv({ ALLOWED_ORIGINS: "https://a.example, http://b.example:8080" }).ALLOWED_ORIGINS).toEqual([
      "https://a.example",
      "http://b.example:8080",
    ]);
    for (const bad of ["a.example", "https://a.example/", "https://a.example/path", "ftp://a.example", "*"]) {
      expect(() => parseEnv({ ALLOWED_ORIGINS: bad }), bad).toThrow(/ALLOWED_ORIGINS/);
    }
    for (const bad of ["runs.example", "ftp://runs.example", "not a url"]) {
      expect(() => parseEnv({ PUBLIC_URL: bad }), bad).toThrow(/PUBLIC_URL/);
    }
  });
});
