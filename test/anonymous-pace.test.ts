import { once } from "node:events";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { SESSION_COOKIE } from "../src/server/auth/session-cookie";
import { awaitCondition } from "./support/await";
import { useTestServer } from "./support/fixture";

// Behind a (pretend) proxy, so each test speaks for its own address; 5 calls a second after 4 at once.
const api = useTestServer({
  addressLimits: { trustProxy: true, anonymousCallsPerSecond: 5, anonymousCallsBurst: 4 },
});

function sessionCookie(): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(api().server.services.auth.sessions.issue().value)}`;
}

function listOver(address: string, credential: Record<string, string>): Promise<Response> {
  return fetch(`${api().server.url}/api/trpc/run.list`, { headers: { ...credential, "x-forwarded-for": address } });
}

/** A raw tRPC socket from `address` that records when each call's answer arrived, and what it was. */
async function socketFrom(address: string, credential: Record<string, string>) {
  const socket = new WebSocket(`${api().server.url.replace("http", "ws")}/api/trpc`, {
    headers: { ...credential, "x-forwarded-for": address },
  });
  await once(socket, "open");
  const answers = new Map<number, { at: number; ok: boolean }>();
  socket.on("message", (frame) => {
    const answer = JSON.parse((frame as Buffer).toString()) as { id: number; result?: unknown };
    answers.set(answer.id, { at: performance.now(), ok: answer.result !== undefined });
  });
  /** Sends `count` requests (run.list calls unless told), each in a message of its own, at once; returns when. */
  const sendCalls = (count: number, request: object = { method: "query", params: { path: "run.list", input: {} } }) => {
    for (let id = 1; id <= count; id++) socket.send(JSON.stringify({ id, ...request }));
    return performance.now();
  };
  return { socket, answers, sendCalls };
}

describe("anonymous owners' calls are paced per client address", () => {
  it("over HTTP, past the burst a call answers 429 with when to retry; token owners and other addresses go on", async () => {
    const address = "198.51.100.60";
    const cookie = { cookie: sessionCookie() };
    for (let i = 0; i < 4; i++) expect((await listOver(address, cookie)).status).toBe(200);

    const refused = await listOver(address, cookie);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    const body = (await refused.json()) as { error: { data: { code: string; retryAfterMs: number } } };
    expect(body.error.data.code).toBe("TOO_MANY_REQUESTS");
    // One call's worth of the allowance: 200 ms at 5 a second.
    expect(body.error.data.retryAfterMs).toBeGreaterThan(0);
    expect(body.error.data.retryAfterMs).toBeLessThanOrEqual(200);

    // Another anonymous owner from the same address shares the allowance; one elsewhere does not.
    expect((await listOver(address, { cookie: sessionCookie() })).status).toBe(429);
    expect((await listOver("198.51.100.61", cookie)).status).toBe(200);
    const token = await api().tokenFor("paced-neighbour");
    for (let i = 0; i < 10; i++)
      expect((await listOver(address, { authorization: `Bearer ${token}` })).status).toBe(200);

    await awaitCondition(async () => (await listOver(address, cookie)).status === 200, "the allowance to refill");
  });

  it("over a WebSocket, messages past the allowance wait for it instead of being refused, in order", async () => {
    const address = "198.51.100.62";
    const anonymous = await socketFrom(address, { cookie: sessionCookie() });
    const token = await api().tokenFor("unpaced-neighbour");
    const accountable = await socketFrom(address, { authorization: `Bearer ${token}` });

    const sentAt = anonymous.sendCalls(10);
    accountable.sendCalls(10);
    await awaitCondition(() => anonymous.answers.size === 10, "every paced call to be answered");
    await awaitCondition(() => accountable.answers.size === 10, "every token owner's call to be answered");

    const paced = [...anonymous.answers.entries()].sort(([a], [b]) => a - b).map(([, answer]) => answer);
    expect(paced.every((answer) => answer.ok)).toBe(true);
    // 4 at once, then one every 200 ms in the order sent: call 4 + k is answered no sooner than k × 200 ms.
    for (let k = 1; k <= 6; k++) expect(paced[3 + k]!.at - sentAt).toBeGreaterThanOrEqual(k * 200);
    // The token owner's calls from the same address were not held behind them.
    const lastAccountable = Math.max(...[...accountable.answers.values()].map((answer) => answer.at));
    expect([...accountable.answers.values()].every((answer) => answer.ok)).toBe(true);
    expect(lastAccountable).toBeLessThan(paced.at(-1)!.at);

    anonymous.socket.close();
    accountable.socket.close();
  });

  it("paces subscription starts the same way", async () => {
    const anonymous = await socketFrom("198.51.100.63", { cookie: sessionCookie() });
    const sentAt = anonymous.sendCalls(6, { method: "subscription", params: { path: "run.activity", input: {} } });
    await awaitCondition(() => anonymous.answers.size === 6, "every subscription to be started");
    expect([...anonymous.answers.values()].every((answer) => answer.ok)).toBe(true);
    for (const [id, minimumMs] of [
      [5, 200],
      [6, 400],
    ] as const)
      expect(anonymous.answers.get(id)!.at - sentAt).toBeGreaterThanOrEqual(minimumMs);
    anonymous.socket.close();
  });
});
