import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddressLimits, HELD_REFUSALS_PER_ADDRESS } from "../src/server/address-limits";
import { createRequestHandler } from "../src/server/http/handler";
import type { InstanceServices } from "../src/server/services";
import { awaitCondition } from "./support/await";
import { useTestServer } from "./support/fixture";
import { createTestDatabase } from "./support/test-database";
import { startTestServer } from "./support/test-server";

const DELAY_MS = 200;

// Behind a (pretend) proxy: each test speaks for its own client address through X-Forwarded-For.
const api = useTestServer({
  addressLimits: {
    trustProxy: true,
    newSessionsPerMinute: 1,
    requestsInFlight: 2,
    refusalDelayMs: DELAY_MS,
    // A burst of 3 refusals decided before any work (a tenth of the minute's), then one every 2 s.
    quickRefusalsPerMinute: 30,
  },
});

/** The request handler of `services` with a stand-in for the Next.js pages, where sessions are minted. */
async function servePages(services: InstanceServices): Promise<{ base: string; close(): void }> {
  const server = http.createServer(
    createRequestHandler(services, { dev: false, handle: (_req, res) => void res.end("page") }),
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

let pages: Awaited<ReturnType<typeof servePages>>;
let base: string;
beforeAll(async () => {
  pages = await servePages(api().server.services);
  base = pages.base;
});
afterAll(() => pages.close());

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** A request from `address`; resolves with the answer, or rejects when the connection closes without one. */
function visit(
  url: string,
  address: string,
  options: { agent?: http.Agent; path?: string; headers?: http.OutgoingHttpHeaders } = {},
): Promise<Answer> {
  const started = performance.now();
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method: "GET",
        path: options.path ?? "/x",
        headers: { "x-forwarded-for": address, ...options.headers },
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
            ms: performance.now() - started,
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", reject);
    req.end();
  });
}

/** Spends the address's one new session of the minute; returns its cookie. */
async function spendSession(address: string): Promise<string> {
  const first = await visit(base, address);
  expect(first.status).toBe(200);
  return first.headers["set-cookie"]![0]!.split(";")[0]!;
}

const held = (address: string) => api().server.services.addressLimits.refusalsHeld(address);

describe("refusals are answered late", () => {
  it("a client looping without waiting gets about one answer per connection per delay, each a 429 with a retry hint", async () => {
    const address = "198.51.100.1";
    await spendSession(address);
    const connections = 3;
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    const answers: Answer[] = [];
    const started = performance.now();
    const loop = async () => {
      while (performance.now() - started < 1_000) answers.push(await visit(base, address, { agent }));
    };
    await Promise.all(Array.from({ length: connections }, loop));
    const elapsed = performance.now() - started;
    agent.destroy();

    // Answered at once, three loops on loopback would get thousands.
    expect(answers.length).toBeLessThanOrEqual(connections * (Math.floor(elapsed / DELAY_MS) + 1));
    expect(answers.length).toBeGreaterThanOrEqual(connections);
    for (const answer of answers) {
      expect(answer.status).toBe(429);
      expect(answer.ms).toBeGreaterThanOrEqual(DELAY_MS - 1);
      expect(Number(answer.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(answer.headers["set-cookie"]).toBeUndefined();
    }
  });

  it("the API's refusals keep tRPC's error shape with retryAfterMs, and a Retry-After header", async () => {
    const address = "198.51.100.2";
    const authorization = `Bearer ${await api().tokenFor("uploader")}`;
    const { port } = new URL(api().server.url);
    // Two uploads that never finish their body: the address's two requests in flight.
    const slow = [1, 2].map(() => {
      const request = http.request({
        host: "127.0.0.1",
        port: Number(port),
        method: "POST",
        path: "/api/trpc/run.start",
        headers: {
          authorization,
          "x-forwarded-for": address,
          "content-type": "application/json",
          "content-length": "1000",
        },
      });
      request.on("error", () => {});
      request.write("{");
      return request;
    });
    try {
      let refused: Answer | undefined;
      await awaitCondition(async () => {
        refused = await visit(api().server.url, address, { path: "/api/trpc/run.plans" });
        return refused.status === 429;
      }, "a third request to be refused");
      expect(refused!.ms).toBeGreaterThanOrEqual(DELAY_MS - 1);
      expect(refused!.headers["retry-after"]).toBe("1");
      expect(JSON.parse(refused!.body)).toMatchObject({
        error: { data: { code: "TOO_MANY_REQUESTS", httpStatus: 429, retryAfterMs: 1_000 } },
      });
    } finally {
      for (const request of slow) request.destroy();
    }
  });

  it("held refusals per address are bounded: past the bound the connection is closed unanswered", async () => {
    const address = "198.51.100.3";
    await spendSession(address);
    const extra = 4;
    const outcomes = await Promise.allSettled(
      Array.from({ length: HELD_REFUSALS_PER_ADDRESS + extra }, () => visit(base, address)),
    );
    const answered = outcomes.filter((o) => o.status === "fulfilled").map((o) => o.value.status);
    expect(answered).toEqual(Array<number>(HELD_REFUSALS_PER_ADDRESS).fill(429));
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(extra);
    expect(held(address)).toBe(0);
  });

  it("while an address's refusals are held, other addresses and its in-limit clients are answered at once", async () => {
    // The same services with refusals held for a minute: whatever is answered meanwhile was not delayed.
    const { services } = api().server;
    const addressLimits = new AddressLimits({ ...services.addressLimits.settings, refusalDelayMs: 60_000 });
    const patient = await servePages({ ...services, addressLimits });
    const token = await api().tokenFor("sharing-the-address");
    const address = "198.51.100.4";
    try {
      const first = await visit(patient.base, address);
      const cookie = first.headers["set-cookie"]![0]!.split(";")[0]!;
      // More held refusals than the address has in-flight slots (2): they must not be holding them.
      const refusals = Array.from({ length: 5 }, () =>
        visit(patient.base, address).then(
          () => "answered",
          () => "closed",
        ),
      );
      await awaitCondition(() => addressLimits.refusalsHeld(address) === 5, "five refusals to be held");

      const neighbour = await visit(patient.base, "198.51.100.5");
      expect(neighbour.status).toBe(200);
      expect(neighbour.headers["set-cookie"]).toBeDefined();
      expect((await visit(patient.base, address, { headers: { cookie } })).status).toBe(200);
      const call = await visit(patient.base, address, {
        path: "/api/trpc/run.list",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(call.status).toBe(200);
      expect(addressLimits.refusalsHeld(address)).toBe(5);

      patient.close();
      expect(await Promise.all(refusals)).toEqual(Array<string>(5).fill("closed"));
      await awaitCondition(() => addressLimits.refusalsHeld() === 0, "the closed connections' refusals to be let go");
    } finally {
      patient.close();
    }
  });

  it("held refusals of all addresses together are bounded: past the bound any address's connection is closed unanswered", async () => {
    // The same services with a total bound of 5 held refusals (per address: the usual 16), held for a minute.
    const { services } = api().server;
    const addressLimits = new AddressLimits(
      { ...services.addressLimits.settings, refusalDelayMs: 60_000 },
      { perAddress: HELD_REFUSALS_PER_ADDRESS, inAll: 5 },
    );
    const patient = await servePages({ ...services, addressLimits });
    // "closed" only when closed at once: a held refusal would wait its minute (the visit gives up at 10 s).
    const outcome = (address: string) => {
      const started = performance.now();
      return visit(patient.base, address).then(
        (answer) => `answered ${answer.status}`,
        () => (performance.now() - started < 5_000 ? "closed" : "closed late"),
      );
    };
    try {
      // Each address's first visit spends its new session of the minute; the next ones are refused, late.
      const [first, second, third] = ["198.51.100.7", "198.51.100.8", "198.51.100.9"];
      for (const address of [first, second, third]) expect(await outcome(address)).toBe("answered 200");
      const heldOnes = [first, first, first, second, second].map(outcome);
      await awaitCondition(() => addressLimits.refusalsHeld() === 5, "five refusals held, from two addresses");

      // Neither a third address nor one of the two gets a sixth held: closed at once, unanswered.
      expect(await outcome(third)).toBe("closed");
      expect(await outcome(first)).toBe("closed");
      expect(addressLimits.refusalsHeld(third)).toBe(0);
      expect(addressLimits.refusalsHeld()).toBe(5);

      patient.close();
      expect(await Promise.all(heldOnes)).toEqual(Array<string>(5).fill("closed"));
      await awaitCondition(() => addressLimits.refusalsHeld() === 0, "the closed connections' refusals to be let go");
      // Let go, they make room again.
      const releases = Array.from({ length: 5 }, () => addressLimits.holdRefusal(third));
      expect(releases.every((release) => release !== null)).toBe(true);
      expect(addressLimits.holdRefusal(second)).toBeNull();
    } finally {
      patient.close();
    }
  });

  it("a keep-alive client cannot pipeline past its refusal: each request behind it waits its own delay", async () => {
    const address = "198.51.100.6";
    await spendSession(address);
    const { port } = new URL(base);
    const socket = net.connect(Number(port), "127.0.0.1");
    const arrivals: number[] = [];
    const started = performance.now();
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      while (arrivals.length < (text.match(/HTTP\/1\.1 429 /g) ?? []).length)
        arrivals.push(performance.now() - started);
    });
    const request = `GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: ${address}\r\n\r\n`;
    socket.write(request.repeat(3));
    await awaitCondition(() => arrivals.length === 3, "three answers on the connection");
    socket.destroy();
    // Answered at once, all three would arrive together: each comes a whole delay after the one before is due.
    arrivals.forEach((ms, k) => expect(ms).toBeGreaterThanOrEqual((k + 1) * DELAY_MS - 1));
  });
});

describe("refusals decided before any work", () => {
  it("are answered at once to an address within its quick allowance, late past it, the same answer either way", async () => {
    const batch = `/api/trpc/${Array(30).fill("run.list").join(",")}?batch=1&input=%7B%7D`;
    const subscription = "/api/trpc/run.events?input=%7B%7D";
    const answers: Answer[] = [];
    for (const path of [batch, subscription, batch, subscription, batch])
      answers.push(await visit(base, "192.0.2.77", { path }));
    expect(answers.map((answer) => answer.status)).toEqual([400, 405, 400, 405, 400]);
    expect(JSON.parse(answers[0]!.body)).toMatchObject({
      error: { message: "Batch call exceeds maximum size", data: { code: "BAD_REQUEST", httpStatus: 400 } },
    });
    expect(answers[4]!.body).toBe(answers[0]!.body);
    // The quick allowance's burst (3) at once, then a delay each.
    expect(answers.slice(0, 3).every((answer) => answer.ms < DELAY_MS)).toBe(true);
    expect(answers.slice(3).every((answer) => answer.ms >= DELAY_MS - 5)).toBe(true);
    // Another address still gets its own at once.
    const neighbour = await visit(base, "192.0.2.78", { path: batch });
    expect(neighbour.status).toBe(400);
    expect(neighbour.ms).toBeLessThan(DELAY_MS);
  });
});

describe("shutdown", () => {
  it("does not wait for held refusals", async () => {
    const database = await createTestDatabase();
    const server = await startTestServer(database, { addressLimits: { requestsInFlight: 1, refusalDelayMs: 60_000 } });
    try {
      const { port } = new URL(server.server.url);
      const authorization = `Bearer ${await server.tokenFor("uploader")}`;
      const slow = http.request({
        host: "127.0.0.1",
        port: Number(port),
        method: "POST",
        path: "/api/trpc/run.start",
        headers: { authorization, "content-type": "application/json", "content-length": "1000" },
      });
      slow.on("error", () => {});
      slow.write("{");
      const refused = visit(server.server.url, "ignored: no proxy", { path: "/api/trpc/run.plans" }).then(
        () => "answered",
        () => "closed",
      );
      const { addressLimits } = server.server.services;
      await awaitCondition(() => addressLimits.refusalsHeld() === 1, "the second request's refusal to be held");

      const started = performance.now();
      await server.close();
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(await refused).toBe("closed");
      expect(addressLimits.refusalsHeld()).toBe(0);
    } finally {
      await server.close();
      await database.drop();
    }
  });
});
