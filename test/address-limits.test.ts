import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { AppRouter } from "@live-runs/client";
import { SESSION_COOKIE } from "../src/server/auth/session-cookie";
import { addressKey } from "../src/server/http/client-address";
import { createRequestHandler } from "../src/server/http/handler";
import { awaitCondition, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";
import type { TestServer } from "./support/test-server";

// Behind a (pretend) proxy: each test speaks for its own client address through X-Forwarded-For.
const api = useTestServer({
  addressLimits: {
    trustProxy: true,
    newSessionsPerMinute: 3,
    newSessionsBurst: 3,
    requestsInFlight: 3,
    anonymousRuns: { startsPerMinute: 3, activeRuns: 2 },
  },
});
const queue = useTestServer({ executor: { concurrency: 1 }, queuedRunsLimit: 2 });

type Client = ReturnType<TestServer["client"]>["trpc"];

/** A browser: a new anonymous session (as a page visit would mint), calling from `address`. */
function anonymous(address: string): Client {
  const cookie = `${SESSION_COOKIE}=${encodeURIComponent(api().server.services.auth.sessions.issue().value)}`;
  return api().client({ token: "", headers: { cookie, "x-forwarded-for": address } }).trpc;
}

async function refusal(call: Promise<unknown>): Promise<{ code?: string; retryAfterMs?: number | null }> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCClientError);
  return (error as TRPCClientError<AppRouter>).data ?? {};
}

describe("limits per client address", () => {
  it("counts IPv6 clients by their /64, IPv4-mapped ones as IPv4", () => {
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:0db8:0001:0002:ffff::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(addressKey("203.0.113.9")).toBe("203.0.113.9");
  });

  it("an address gets a few new sessions a minute; then pages answer 429 and mint no owner", async () => {
    // The request handler of the test server, with a stand-in for the Next.js pages.
    const pages = http.createServer(
      createRequestHandler(api().server.services, { dev: false, handle: (_req, res) => void res.end("page") }),
    );
    pages.listen(0, "127.0.0.1");
    await once(pages, "listening");
    const base = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    // The client can put anything before the entry our proxy appends: only the last one counts.
    const visit = (headers: Record<string, string> = {}) =>
      fetch(`${base}/x`, { method: "HEAD", headers: { "x-forwarded-for": `10.9.9.9, 198.51.100.7`, ...headers } });

    const minted = await Promise.all([1, 2, 3].map(() => visit()));
    expect(minted.map((r) => r.status)).toEqual([200, 200, 200]);
    const cookies = minted.map((r) => r.headers.get("set-cookie"));
    expect(new Set(cookies).size).toBe(3);

    const refused = await visit({ "x-forwarded-for": `10.8.8.8, 198.51.100.7` });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("set-cookie")).toBeNull();
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Sessions already given keep working, and other addresses still get theirs.
    const returning = await visit({ cookie: cookies[0]!.split(";")[0]! });
    expect(returning.status).toBe(200);
    expect(returning.headers.get("set-cookie")).toBeNull();
    const neighbour = await visit({ "x-forwarded-for": "198.51.100.8" });
    expect(neighbour.status).toBe(200);
    expect(neighbour.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    pages.close();
  });

  it("anonymous owners' active runs are counted per address across owners; token owners are exempt", async () => {
    const address = "198.51.100.20";
    const [first, second, third] = [anonymous(address), anonymous(address), anonymous(address)];
    const running = await first.run.start.mutate({ stepDelayMs: 60_000 });
    await second.run.start.mutate({ stepDelayMs: 60_000 });

    const over = await refusal(third.run.start.mutate({ stepDelayMs: 60_000 }));
    expect(over).toMatchObject({ code: "TOO_MANY_REQUESTS", retryAfterMs: expect.any(Number) as number });
    expect((await third.run.list.query()).items).toEqual([]); // nothing half-written
    expect(await anonymous("198.51.100.21").run.start.mutate({ stepDelayMs: 0 })).toHaveProperty("id");
    const token = api().client({ token: await api().tokenFor("accountable"), headers: { "x-forwarded-for": address } });
    expect(await token.trpc.run.start.mutate({ stepDelayMs: 0 })).toHaveProperty("id");

    await first.run.cancel.mutate({ runId: running.id });
    expect(await third.run.start.mutate({ stepDelayMs: 0 })).toHaveProperty("id");
  });

  it("anonymous run starts are counted per address and minute across owners", async () => {
    const address = "198.51.100.30";
    for (let i = 0; i < 3; i++) {
      const trpc = anonymous(address);
      const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
      await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id })); // within the active-runs limit
    }
    const over = await refusal(anonymous(address).run.start.mutate({ stepDelayMs: 0 }));
    expect(over.code).toBe("TOO_MANY_REQUESTS");
    expect(over.retryAfterMs).toBeGreaterThan(0);
    expect(over.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it("caps requests in flight per address, HTTP and WebSocket calls together", async () => {
    const address = "198.51.100.40";
    const token = await api().tokenFor("streamer");
    const { port } = new URL(api().server.url);
    const probe = () =>
      fetch(`${api().server.url}/api/trpc/run.list`, {
        headers: { authorization: `Bearer ${token}`, "x-forwarded-for": address },
      });
    expect((await probe()).status).toBe(200);

    // Three uploads that never finish their body: three requests in flight.
    const slow = [1, 2, 3].map(() => {
      const request = http.request({
        host: "127.0.0.1",
        port: Number(port),
        method: "POST",
        path: "/api/trpc/run.start",
        headers: {
          authorization: `Bearer ${token}`,
          "x-forwarded-for": address,
          "content-type": "application/json",
          "content-length": "1000",
        },
      });
      request.on("error", () => {});
      request.write("{");
      return request;
    });
    let refused: Response | undefined;
    await awaitCondition(async () => {
      const response = await probe();
      if (response.status !== 429) return false;
      refused = response;
      return true;
    }, "the fourth request to be refused");
    expect(refused!.headers.get("retry-after")).toBe("1");
    expect(await refused!.json()).toMatchObject({ error: { data: { code: "TOO_MANY_REQUESTS", retryAfterMs: 1000 } } });

    // A WebSocket call from the same address shares the allowance.
    const socket = new WebSocket(`${api().server.url.replace("http", "ws")}/api/trpc`, {
      headers: { authorization: `Bearer ${token}`, "x-forwarded-for": address },
    });
    await once(socket, "open");
    const answer = once(socket, "message");
    socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "run.list", input: {} } }));
    expect(String((await answer)[0])).toContain("TOO_MANY_REQUESTS");

    for (const request of slow) request.destroy();
    await awaitCondition(async () => (await probe()).status === 200, "the slots to be released");
    const again = once(socket, "message");
    socket.send(JSON.stringify({ id: 2, method: "query", params: { path: "run.list", input: {} } }));
    expect(String((await again)[0])).toContain('"result"');
    socket.close();
  });
});

describe("the queue", () => {
  it("refuses new runs from everyone once the queue is full, and admits them again as it drains", async () => {
    const alice = queue().client({ token: await queue().tokenFor("alice") }).trpc;
    const bob = queue().client({ token: await queue().tokenFor("bob") }).trpc;
    // One executor slot: the first run takes it, the next two wait.
    const first = await alice.run.start.mutate({ stepDelayMs: 60_000 });
    await awaitCondition(
      async () => (await alice.run.get.query({ runId: first.id })).status === "running",
      "the first run to start",
    );
    const waiting = [await alice.run.start.mutate({ stepDelayMs: 60_000 }), await alice.run.start.mutate({})];

    for (const trpc of [alice, bob]) {
      expect(await refusal(trpc.run.start.mutate({}))).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    }
    await alice.run.cancel.mutate({ runId: waiting[0]!.id });
    expect(await bob.run.start.mutate({ stepDelayMs: 0 })).toHaveProperty("id");
  });
});
