import fc from "fast-check";
import { sql } from "drizzle-orm";
import WebSocket from "ws";
import { describe, expect, it } from "vitest";
import { runEvents, runOutbox, runs } from "../src/db/schema";
import { SESSION_COOKIE } from "../src/server/auth/session-cookie";
import { useTestServer } from "./support/fixture";
import { hostileRequest } from "./support/hostile-requests";
import { exchange, request } from "./support/raw-http";

const api = useTestServer();

const PROCEDURES = ["run.start", "run.cancel", "run.get", "run.list", "run.events", "run.activity"];
// What a rejected call may answer: bad input, unknown run, wrong method, unknown procedure.
const CLIENT_ERRORS = new Set([400, 404, 405, 415]);

/** run.list takes almost anything falsy as "no input"; every other call here must be refused. */
const acceptable = (path: string, status: number) =>
  CLIENT_ERRORS.has(status) || (path === "run.list" && status === 200);

function parsesAsValidStart(body: Uint8Array): boolean {
  try {
    return isValidStart(JSON.parse(Buffer.from(body).toString("utf8")));
  } catch {
    return false;
  }
}

async function tableCounts() {
  const db = api().server.services.database.db;
  const count = async (table: typeof runs | typeof runEvents | typeof runOutbox) =>
    (await db.select({ n: sql<number>`count(*)::int` }).from(table))[0]!.n;
  return { runs: await count(runs), events: await count(runEvents), outbox: await count(runOutbox) };
}

/** Any JSON value, biased towards shapes close to the real inputs. */
const hostileInput = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      runId: fc.oneof(fc.string(), fc.uuid(), fc.integer(), fc.constant(null)),
      appPath: fc.oneof(fc.string({ maxLength: 2000 }), fc.integer(), fc.constant("")),
      stepDelayMs: fc.oneof(fc.integer(), fc.double(), fc.string()),
      limit: fc.oneof(fc.integer(), fc.double(), fc.string()),
      cursor: fc.oneof(fc.string(), fc.base64String(), fc.integer()),
      fromSeq: fc.oneof(fc.integer(), fc.double(), fc.string()),
      lastEventId: fc.oneof(fc.string(), fc.integer()),
    },
    { requiredKeys: [] },
  ),
);

/** Inputs that must be rejected: run.start is excluded unless the input is invalid for it. */
function isValidStart(input: unknown): boolean {
  if (input === undefined || input === null) return input === undefined;
  if (typeof input !== "object" || Array.isArray(input)) return false;
  const { appPath, stepDelayMs, ...rest } = input as Record<string, unknown>;
  const okPath = appPath === undefined || (typeof appPath === "string" && appPath.length >= 1 && appPath.length <= 512);
  const okDelay =
    stepDelayMs === undefined ||
    (Number.isInteger(stepDelayMs) && (stepDelayMs as number) >= 0 && (stepDelayMs as number) <= 60_000);
  return okPath && okDelay && Object.keys(rest).length >= 0;
}

describe("hostile input", () => {
  it("random payloads to every procedure over HTTP: only client errors, nothing written", async () => {
    const before = await tableCounts();
    const base = `${api().server.url}/api/trpc`;
    const authorization = `Bearer ${await api().tokenFor("fuzzer")}`;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PROCEDURES), hostileInput, fc.boolean(), async (path, input, asPost) => {
        if (path === "run.start" && isValidStart(input)) return;
        const encoded = encodeURIComponent(JSON.stringify(input));
        const response = asPost
          ? await fetch(`${base}/${path}`, {
              method: "POST",
              body: JSON.stringify(input),
              headers: { "content-type": "application/json", authorization },
            })
          : await fetch(`${base}/${path}?input=${encoded}`, { headers: { authorization } });
        await response.arrayBuffer();
        expect(acceptable(path, response.status), `${path} ${JSON.stringify(input)} → ${response.status}`).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(await tableCounts()).toEqual(before);
  });

  it("garbage bytes as HTTP bodies and query strings are client errors", async () => {
    const before = await tableCounts();
    const base = `${api().server.url}/api/trpc`;
    const authorization = `Bearer ${await api().tokenFor("fuzzer")}`;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PROCEDURES),
        fc.uint8Array({ minLength: 1, maxLength: 4096 }),
        fc.string(),
        async (path, body, query) => {
          if (path === "run.start" && parsesAsValidStart(body)) return;
          const post = await fetch(`${base}/${path}`, {
            method: "POST",
            body,
            headers: { "content-type": "application/json", authorization },
          });
          const get = await fetch(
            `${base}/${path}?input=${encodeURIComponent(query)}&batch=${encodeURIComponent(query)}`,
            {
              headers: { authorization },
            },
          );
          await Promise.all([post.arrayBuffer(), get.arrayBuffer()]);
          expect(acceptable(path, post.status), `POST ${path} → ${post.status}`).toBe(true);
          expect(acceptable(path, get.status), `GET ${path} → ${get.status}`).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
    expect(await tableCounts()).toEqual(before);
  });

  it("raw requests with hostile headers, cookies, paths, framing and batches: answered 4xx (or 2xx), never 5xx, never a hang", async () => {
    const before = await tableCounts();
    const { url } = api().server;
    const credentials = {
      host: new URL(url).host,
      token: await api().tokenFor("raw-fuzzer"),
      session: api().server.services.auth.sessions.issue().value,
    };
    await fc.assert(
      fc.asyncProperty(hostileRequest(credentials), async ({ bytes, summary }) => {
        const { statuses } = await exchange(url, bytes, 3_000);
        expect(statuses.length, summary).toBeGreaterThan(0);
        for (const status of statuses) expect(status, summary).toBeLessThan(500);
        expect((await tableCounts()).runs, `${summary} wrote a run`).toBe(before.runs);
      }),
      { numRuns: 500 },
    );
    expect((await request(url, "/healthz")).status).toBe(200);
    expect(await tableCounts()).toEqual(before);
  });

  it("malformed WebSocket frames do not crash the server; valid requests on a new socket still work", async () => {
    const before = await tableCounts();
    const wsUrl = `${api().server.url.replace("http", "ws")}/api/trpc`;
    const frames = fc.sample(
      fc.oneof(
        fc.string(),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc.record({ id: fc.jsonValue(), method: fc.string(), params: fc.jsonValue() }).map((v) => JSON.stringify(v)),
        fc
          .record({
            id: fc.integer(),
            method: fc.constantFrom("query", "mutation", "subscription", "subscription.stop"),
            params: fc.record({ path: fc.constantFrom(...PROCEDURES), input: hostileInput }),
          })
          .filter((v) => v.params.path !== "run.start" || !isValidStart(v.params.input))
          .map((v) => JSON.stringify(v)),
        fc.uint8Array({ maxLength: 512 }),
      ),
      400,
    );
    const socket = await openSocket(wsUrl);
    const replies: string[] = [];
    socket.on("message", (data) => replies.push(Buffer.isBuffer(data) ? data.toString("utf8") : ""));
    for (const frame of frames) socket.send(frame);
    socket.send(JSON.stringify({ id: "last", method: "query", params: { path: "run.list", input: {} } }));
    await waitFor(() => replies.some((reply) => reply.includes('"id":"last"')), "the reply to the final query");
    socket.close();

    expect(replies.some((reply) => reply.includes("INTERNAL_SERVER_ERROR"))).toBe(false);
    expect(await tableCounts()).toEqual(before);
    const fresh = await openSocket(wsUrl);
    fresh.close();
  });

  it("a message over the size limit closes that socket (1009) and nothing else", async () => {
    const wsUrl = `${api().server.url.replace("http", "ws")}/api/trpc`;
    const socket = await openSocket(wsUrl);
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    socket.send("x".repeat(200 * 1024));
    expect(await closed).toBe(1009);
    const { trpc } = api().client();
    expect(await trpc.run.list.query()).toHaveProperty("items");
  });
});

/** A WebSocket with a valid session, so frames get past authentication to the input parsers. */
function openSocket(url: string): Promise<WebSocket> {
  const cookie = `${SESSION_COOKIE}=${api().server.services.auth.sessions.issue().value}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: { cookie } });
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}

async function waitFor(condition: () => boolean, description: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
