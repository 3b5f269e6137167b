import type http from "node:http";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installPageOpenings, withPageOpenings } from "../src/server/http/page-openings";
import {
  OPENING_EVENTS,
  PAGE_OPENINGS_KEY,
  type PageOpenings,
  type RunPageOpening,
} from "../src/shared/run-page-opening";
import { openDatabase } from "../src/db/client";
import { awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs } from "./support/fixture";
import { insertLongRun } from "./support/long-run";
import { startTcpProxy } from "./support/tcp-proxy";
import { createTestDatabase, type TestDatabase } from "./support/test-database";
import { startTestServer, TEST_OWNER, type TestServer } from "./support/test-server";

// Writing a long run straight into the tables needs a Postgres URL; PGlite is in this process only.
const hasPostgres = Boolean(process.env.TEST_DATABASE_URL);
let database: TestDatabase;
let api: TestServer;
let run: { id: string };
beforeAll(async () => {
  database = await createTestDatabase();
  api = await startTestServer(database);
  installPageOpenings();
  const { trpc } = api.client();
  run = await trpc.run.start.mutate({ stepDelayMs: 0 });
  await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
});
afterAll(async () => {
  await api.close();
  await database.drop();
});

/** What the page reads while the server renders it for a request with these headers (as the page does: through globalThis). */
function readAs(headers: http.IncomingHttpHeaders, runId: string, focusSeq: number | null) {
  const req = { headers, socket: { remoteAddress: "127.0.0.1" } } as unknown as http.IncomingMessage;
  return withPageOpenings(api.server.services, req, () => {
    const openings = (globalThis as { [PAGE_OPENINGS_KEY]?: PageOpenings })[PAGE_OPENINGS_KEY];
    const read = openings?.current();
    if (!read) throw new Error("the page found no reader of openings while rendering");
    return read(runId, focusSeq);
  });
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Where `value` holds something other than plain objects, arrays and primitives: hidden or symbol keys, class instances. */
function notPlainData(value: unknown, path = "$"): string[] {
  if (value === null || typeof value !== "object") return typeof value === "function" ? [path] : [];
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== Array.prototype && prototype !== null) return [path];
  const hidden =
    Object.getOwnPropertySymbols(value).length > 0 ||
    Object.getOwnPropertyNames(value).some(
      (key) => key !== "length" && !Object.getOwnPropertyDescriptor(value, key)!.enumerable,
    );
  return [
    ...(hidden ? [path] : []),
    ...Object.entries(value).flatMap(([key, item]) => notPlainData(item, `${path}.${key}`)),
  ];
}

describe("what a run's page is rendered with", () => {
  it("is the run, the plans, the step summary and the newest events, as its owner reads them over the API", async () => {
    const token = await api.tokenFor(TEST_OWNER);
    const opening = (await readAs(bearer(token), run.id, null)) as RunPageOpening;
    const { trpc } = api.client();
    expect(opening.run).toEqual(await trpc.run.get.query({ runId: run.id }));
    expect(opening.plans).toEqual(await trpc.run.plans.query());
    // The page hands it to a client component, which takes plain data only (toEqual does not see
    // hidden properties: zod's JSON Schema carried a non-enumerable `~standard` with methods).
    expect(notPlainData(opening)).toEqual([]);
    expect(opening.steps).toEqual(await trpc.run.steps.query({ runId: run.id }));
    expect(seqs(opening.events)).toEqual(range(1, 13));
  });

  it.runIf(hasPostgres)("of a long run: its last events only, or those around a deep-linked seq", async () => {
    const sql = postgres(database.url!, { max: 1, onnotice: () => {} });
    const runId = await insertLongRun(sql, TEST_OWNER, 1_000).finally(() => sql.end());
    const token = await api.tokenFor(TEST_OWNER);
    const tail = await readAs(bearer(token), runId, null);
    expect(seqs(tail!.events)).toEqual(range(1_000 - OPENING_EVENTS + 1, 1_000));
    const around = await readAs(bearer(token), runId, 500);
    expect(seqs(around!.events)).toEqual(range(400, 599));
  });

  it("is nothing for a visitor who may not see the run, or who cannot be identified", async () => {
    expect(await readAs(bearer(await api.tokenFor("someone-else")), run.id, null)).toBeNull();
    expect(await readAs({}, run.id, null)).toBeNull();
    expect(await readAs(bearer("lr_not-a-token"), run.id, null)).toBeNull();
    expect(await readAs(bearer(await api.tokenFor(TEST_OWNER)), crypto.randomUUID(), null)).toBeNull();
  });
});

describe.runIf(hasPostgres)("what a run's page is rendered with, while the database is away", () => {
  it("is nothing after about a second, so the page is sent anyway and the browser reads the run itself", async () => {
    const direct = new URL(database.url!);
    const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(direct);
    viaProxy.port = String(proxy.port);
    const handle = openDatabase({ kind: "postgres", url: viaProxy.toString(), poolMax: 4 });
    const behindProxy = await startTestServer({ ...database, open: () => handle });
    try {
      const token = await behindProxy.tokenFor(TEST_OWNER);
      const read = (runId: string) =>
        withPageOpenings(
          behindProxy.server.services,
          { headers: bearer(token), socket: { remoteAddress: "127.0.0.1" } } as unknown as http.IncomingMessage,
          () => (globalThis as { [PAGE_OPENINGS_KEY]?: PageOpenings })[PAGE_OPENINGS_KEY]!.current()!(runId, null),
        );
      expect((await read(run.id))?.run.id).toBe(run.id);

      proxy.down();
      const startedAt = Date.now();
      expect(await read(run.id)).toBeNull();
      expect(Date.now() - startedAt).toBeLessThan(2_000);
      proxy.up();
    } finally {
      await behindProxy.close();
      await handle.close();
      await proxy.close();
    }
  });
});
