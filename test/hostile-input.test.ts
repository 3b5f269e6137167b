import fc from "fast-check";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runEvents, runOutbox, runs } from "../src/db/schema";
import { decodeListCursor } from "../src/server/runs/list-cursor";
import { awaitCondition } from "./support/await";
import { useTestServer } from "./support/fixture";
import { messageText, openRawSocket, rawSocketQuery, sessionCookie, trpcEndpoint } from "./support/raw-trpc";
import { hostileRequest } from "./support/hostile-requests";
import { exchange, request } from "./support/raw-http";

const api = useTestServer();

const PROCEDURES = ["run.start", "run.cancel", "run.get", "run.list", "run.events", "run.activity"];
// What a rejected call may answer: bad input, unknown run, wrong method, unknown procedure.
const CLIENT_ERRORS = new Set([400, 404, 405, 415]);

/**
 * The one call here that may succeed is run.list over GET with an input it accepts (no input at
 * all counts: it has no required field); anything else must be refused with a client error.
 */
function expectAnswer(status: number, listsRuns: boolean, call: string) {
  if (listsRuns) expect(status, `${call} → ${status}`).toBe(200);
  else expect(CLIENT_ERRORS.has(status), `${call} → ${status}`).toBe(true);
}

const NOT_JSON = Symbol("not JSON");
/** The JSON value of `text`, or NOT_JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

const parsesAsValidStart = (body: Uint8Array) => isValidStart(parseJson(Buffer.from(body).toString("utf8")));

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

/** run.list input: no required field, a limit of 1-100, a cursor this server issued (or none). */
function isValidList(input: unknown): boolean {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return false;
  const { limit, cursor } = input as Record<string, unknown>;
  const okLimit =
    limit === undefined || (Number.isInteger(limit) && (limit as number) >= 1 && (limit as number) <= 100);
  const okCursor =
    cursor === undefined ||
    cursor === null ||
    cursor === "" ||
    (typeof cursor === "string" && cursor.length <= 200 && decodeListCursor(cursor) !== null);
  return okLimit && okCursor;
}

/** Inputs that must be rejected: run.start is excluded unless the input is invalid for it. */
function isValidStart(input: unknown): boolean {
  if (input === undefined || input === null) return input === undefined;
  if (typeof input !== "object" || Array.isArray(input)) return false;
  // Other keys do not make it invalid: the input schema strips what it does not know.
  const { appPath, stepDelayMs } = input as Record<string, unknown>;
  const okPath = appPath === undefined || (typeof appPath === "string" && appPath.length >= 1 && appPath.length <= 512);
  const okDelay =
    stepDelayMs === undefined ||
    (Number.isInteger(stepDelayMs) && (stepDelayMs as number) >= 0 && (stepDelayMs as number) <= 60_000);
  return okPath && okDelay;
}

describe("hostile input", () => {
  it("random payloads to every procedure over HTTP: only client errors, nothing written", async () => {
    const before = await tableCounts();
    const base = trpcEndpoint(api().server.url);
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
        const listsRuns = path === "run.list" && !asPost && isValidList(input);
        expectAnswer(response.status, listsRuns, `${asPost ? "POST" : "GET"} ${path} ${JSON.stringify(input)}`);
      }),
      { numRuns: 300 },
    );
    expect(await tableCounts()).toEqual(before);
  });

  it("garbage bytes as HTTP bodies and query strings are client errors", async () => {
    const before = await tableCounts();
    const base = trpcEndpoint(api().server.url);
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
          expectAnswer(post.status, false, `POST ${path}`);
          // An empty input is no input; `batch` is only a batch when it is "1", which is no valid input.
          const listsRuns = path === "run.list" && (query === "" || isValidList(parseJson(query)));
          expectAnswer(get.status, listsRuns, `GET ${path} ?input=${JSON.stringify(query)}`);
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
    const cookie = sessionCookie(api());
    const socket = await openRawSocket(api().server.url, { cookie });
    const replies: string[] = [];
    socket.on("message", (data) => replies.push(messageText(data)));
    for (const frame of frames) socket.send(frame);
    socket.send(JSON.stringify({ id: "last", method: "query", params: { path: "run.list", input: {} } }));
    await awaitCondition(
      () => replies.some((reply) => reply.includes('"id":"last"')),
      "the reply to the final query",
      10_000,
    );
    socket.close();

    expect(replies.some((reply) => reply.includes("INTERNAL_SERVER_ERROR"))).toBe(false);
    expect(await tableCounts()).toEqual(before);
    const reply = JSON.parse(await rawSocketQuery(api().server.url, { cookie })) as unknown;
    expect(reply).toMatchObject({ id: 1, result: { type: "data", data: { items: [] } } });
  });

  it("a message over the size limit closes that socket (1009) and nothing else", async () => {
    const socket = await openRawSocket(api().server.url, { cookie: sessionCookie(api()) });
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    socket.send("x".repeat(200 * 1024));
    expect(await closed).toBe(1009);
    const { trpc } = api().client();
    expect(await trpc.run.list.query()).toHaveProperty("items");
  });
});
