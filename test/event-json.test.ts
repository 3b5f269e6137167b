// The events' JSON made by Postgres (events/read-json.ts), which run.events' backfill sends, is
// byte for byte JSON.stringify of the RunEvent the older path read and sent; the pages of it that
// run.eventsPage sends over HTTP parse to those RunEvents; on Postgres and on PGlite alike.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/db/client";
import { applyMigrations } from "../src/db/migrate";
import { readEventsAfter } from "../src/server/events/read";
import { readEventJsonAfter, readEventsPageJson } from "../src/server/events/read-json";
import { EventLog } from "../src/server/events/event-log";
import { startQueuedRun } from "./support/event-log-database";
import { insertOddEvents } from "./support/odd-events";
import { createTestDatabase, type TestDatabase, type TestDatabaseKind } from "./support/test-database";

describe.each<TestDatabaseKind>(["postgres", "pglite"])("events as JSON text (%s)", (kind) => {
  let database: TestDatabase;
  let handle: Database;
  let runId: string;
  let lastSeq: number;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    handle = database.open();
    await applyMigrations(handle);
    const log = new EventLog(handle.db, {
      outbox: { wake() {} },
      metrics: { eventAppended() {}, runFinished() {}, runResumed() {} },
    });
    runId = (await startQueuedRun(log, { ownerId: "json-owner", appPath: "/", stepDelayMs: 0 })).id;
    lastSeq = await insertOddEvents(handle.db, runId, { padding: 1_200, finish: true });
  });
  /** [afterSeq, limit] of pages across the run: whole pages, the odd events, its end and past it. */
  const pagesAfter = () =>
    [
      [0, 1_000],
      [1_000, 1_000],
      [1_195, 50],
      [lastSeq - 1, 10],
      [lastSeq, 10],
    ] as const;
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it("are what JSON.stringify writes for the events the RunEvent read returns, page by page", async () => {
    for (const [afterSeq, limit] of pagesAfter()) {
      const events = await readEventsAfter(handle.db, runId, afterSeq, limit);
      const json = await readEventJsonAfter(handle.db, runId, afterSeq, limit);
      expect(json.map((e) => e.json)).toEqual(events.map((event) => JSON.stringify(event)));
      expect(json.map((e) => e.seq)).toEqual(events.map((event) => event.seq));
      expect(json.map((e) => e.last)).toEqual(events.map((event) => event.type === "RunFinished"));
    }
  });

  it("cover every odd field: quotes, control characters, non-ASCII text, jsonb data and its null", async () => {
    const odd = await readEventJsonAfter(handle.db, runId, 1_201, 100);
    const texts = odd.map((e) => e.json).join("\n");
    expect(texts).toContain(String.raw`"name":"quote \" backslash \\ slash /"`);
    expect(texts).toContain(String.raw`"fn":"ctl \b\f\n\r\t \u0001\u001f` + "\u007f end");
    expect(texts).toContain(`"fn":"é ü ß 漢字 😀 \u2028\u2029"`);
    expect(texts).toContain(`"data":{"2":true,"10":"ten","a":[1,2.5,{"z":null}]`);
    expect(texts).toContain(`"ts":9007199254740991`);
    expect(odd.find((e) => e.json.includes("jsonb null"))!.json).not.toContain(`"data"`);
    expect(odd.at(-1)).toMatchObject({ seq: lastSeq, last: true });
    expect(JSON.parse(odd.at(-1)!.json)).toMatchObject({ status: "failed", reason: 'error: "boom" \\ \n <b>' });
  });

  it("make pages whose JSON parses to the RunEvents read row by row, with the same hasMore, both ways", async () => {
    // Every event of the run, read row by row: event seq n is rows[n - 1].
    const rows = await readEventsAfter(handle.db, runId, 0, lastSeq + 1);
    expect(rows).toHaveLength(lastSeq);
    for (const [afterSeq, limit] of pagesAfter()) {
      const page = await readEventsPageJson(handle.db, runId, { afterSeq }, limit);
      expect(JSON.parse(page.json)).toEqual(rows.slice(afterSeq, afterSeq + limit));
      expect(page.hasMore).toBe(afterSeq + limit < lastSeq);
    }
    for (const [beforeSeq, limit] of [
      [lastSeq + 1, 20],
      [1_000, 1_000],
      [1_001, 1_000],
      [2, 10],
      [1, 10],
    ] as const) {
      const page = await readEventsPageJson(handle.db, runId, { beforeSeq }, limit);
      const first = Math.max(1, beforeSeq - limit);
      expect(JSON.parse(page.json)).toEqual(rows.slice(first - 1, beforeSeq - 1));
      expect(page.hasMore).toBe(first > 1);
    }
    const odd = JSON.parse((await readEventsPageJson(handle.db, runId, { afterSeq: 1_201 }, 100)).json) as object[];
    expect(odd.find((event) => "name" in event && event.name === "jsonb null")).not.toHaveProperty("data");
  });
});
