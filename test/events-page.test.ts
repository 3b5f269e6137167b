import { TRPCClientError } from "@trpc/client";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunEvent } from "../src/server/events/types";
import { awaitEvents, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { range, seqs } from "./support/fixture";
import { insertLongRun } from "./support/long-run";
import { spawnTestServer } from "./support/server-process";
import { createTestDatabase, type TestDatabase } from "./support/test-database";
import { startTestServer, TEST_OWNER, type TestServer } from "./support/test-server";

let database: TestDatabase;
let api: TestServer;
let run: { id: string };
let all: RunEvent[];
beforeAll(async () => {
  database = await createTestDatabase();
  api = await startTestServer(database);
  const { trpc } = api.client();
  run = await trpc.run.start.mutate({ stepDelayMs: 0 });
  all = await awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id }));
});
afterAll(async () => {
  await api.close();
  await database.drop();
});

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const read: T[] = [];
  for await (const page of pages) read.push(page);
  return read;
}
const codeOf = (error: unknown) => (error instanceof TRPCClientError ? (error.data as { code?: string })?.code : error);
const download = (url: string, runId: string, token?: string) =>
  fetch(`${url}/api/runs/${runId}/events.ndjson`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
const ndjson = async (response: Response) =>
  (await response.text())
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RunEvent);

describe("run.eventsPage", () => {
  it("pages both ways from either end, ascending, telling whether there is more", async () => {
    const page = (input: { afterSeq?: number; beforeSeq?: number; limit?: number }) =>
      api.client().trpc.run.eventsPage.query({ runId: run.id, ...input });
    expect(await page({})).toEqual({ events: all, hasMore: false });
    const tail = await page({ limit: 5 });
    expect([seqs(tail.events), tail.hasMore]).toEqual([range(9, 13), true]);
    const before = await page({ beforeSeq: 9, limit: 5 });
    expect([seqs(before.events), before.hasMore]).toEqual([range(4, 8), true]);
    const first = await page({ beforeSeq: 4, limit: 5 });
    expect([seqs(first.events), first.hasMore]).toEqual([range(1, 3), false]);
    const after = await page({ afterSeq: 10, limit: 2 });
    expect([seqs(after.events), after.hasMore]).toEqual([[11, 12], true]);
    expect(await page({ afterSeq: 11, limit: 2 })).toEqual({ events: all.slice(11), hasMore: false });
    expect(await page({ afterSeq: 13 })).toEqual({ events: [], hasMore: false });
    expect(await page({ beforeSeq: 1 })).toEqual({ events: [], hasMore: false });
    expect((await page({ afterSeq: 0, limit: 1 })).events).toEqual([all[0]]);
  });

  it("refuses both directions at once and limits outside 1..1000; other owners' and unknown runs are NOT_FOUND", async () => {
    const { trpc } = api.client();
    for (const input of [
      { afterSeq: 1, beforeSeq: 5 },
      { limit: 0 },
      { limit: 1001 },
      { beforeSeq: 0 },
      { afterSeq: -1 },
    ])
      expect(codeOf(await trpc.run.eventsPage.query({ runId: run.id, ...input }).catch((e: unknown) => e))).toBe(
        "BAD_REQUEST",
      );
    const stranger = api.client({ token: await api.tokenFor("someone-else") }).trpc;
    for (const [client, runId] of [
      [stranger, run.id],
      [trpc, "00000000-0000-4000-8000-000000000000"],
    ] as const)
      expect(codeOf(await client.run.eventsPage.query({ runId }).catch((e: unknown) => e))).toBe("NOT_FOUND");
  });
});

describe("run.eventsPage with a filter", () => {
  const page = (input: { afterSeq?: number; beforeSeq?: number; limit?: number; types?: string[]; text?: string }) =>
    api.client().trpc.run.eventsPage.query({ runId: run.id, ...input });

  it("keeps events of the given types and with the text in them (case-insensitive), from the tail", async () => {
    const started = await page({ types: ["NodeStarted"] });
    expect([seqs(started.events), started.hasMore, started.scannedTo]).toEqual([[2, 5, 7, 9, 11], false, 1]);
    // The text is looked for in the type, name, fn, status, reason and data.
    expect(seqs((await page({ text: "ENSUREdevice" })).events)).toEqual([2, 3, 4]);
    expect(seqs((await page({ text: "succeeded" })).events)).toEqual([13]);
    expect(seqs((await page({ types: ["DebugTrace", "RunStarted"], text: "check" })).events)).toEqual([3]);
    expect(await page({ text: "no event says this" })).toEqual({ events: [], hasMore: false, scannedTo: 1 });
  });

  it("pages through the matches both ways, going on from scannedTo", async () => {
    const tail = await page({ types: ["NodeFinished"], limit: 2 });
    expect([seqs(tail.events), tail.hasMore, tail.scannedTo]).toEqual([[10, 12], true, 10]);
    const before = await page({ types: ["NodeFinished"], limit: 2, beforeSeq: tail.scannedTo });
    expect([seqs(before.events), before.hasMore, before.scannedTo]).toEqual([[6, 8], true, 6]);
    const last = await page({ types: ["NodeFinished"], limit: 2, beforeSeq: before.scannedTo });
    expect([seqs(last.events), last.hasMore]).toEqual([[4], false]);
    const after = await page({ types: ["NodeFinished"], limit: 2, afterSeq: 0 });
    expect([seqs(after.events), after.hasMore, after.scannedTo]).toEqual([[4, 6], true, 6]);
    const end = await page({ types: ["NodeFinished"], limit: 10, afterSeq: 6 });
    expect([seqs(end.events), end.hasMore, end.scannedTo]).toEqual([[8, 10, 12], false, 13]);
    // Unfiltered pages are as before: no scannedTo.
    expect(await page({ limit: 1 })).toEqual({ events: [all[12]], hasMore: true });
  });

  it("refuses empty, long or too many filter values", async () => {
    const { trpc } = api.client();
    for (const input of [
      { types: [] },
      { types: Array.from({ length: 21 }, (_, index) => `Type${index}`) },
      { types: ["x".repeat(65)] },
      { text: "" },
      { text: "x".repeat(201) },
    ])
      expect(codeOf(await trpc.run.eventsPage.query({ runId: run.id, ...input }).catch((e: unknown) => e))).toBe(
        "BAD_REQUEST",
      );
    const stranger = api.client({ token: await api.tokenFor("someone-else") }).trpc;
    expect(codeOf(await stranger.run.eventsPage.query({ runId: run.id, text: "Node" }).catch((e: unknown) => e))).toBe(
      "NOT_FOUND",
    );
  });

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    "scans a long run a bounded stretch per page, so a rare match takes several pages, none of them slow",
    async () => {
      const sql = postgres(database.url!, { max: 1, onnotice: () => {} });
      try {
        const runId = await insertLongRun(sql, TEST_OWNER, 20_000);
        const { trpc } = api.client();
        const pages: { events: RunEvent[]; hasMore: boolean; scannedTo?: number }[] = [];
        let beforeSeq: number | undefined;
        do {
          const found = await trpc.run.eventsPage.query({ runId, types: ["RunStarted"], beforeSeq });
          pages.push(found);
          beforeSeq = found.scannedTo;
        } while (pages.at(-1)!.hasMore);
        // 5,000 events examined per page, from the tail back to seq 1.
        expect(pages.map((found) => [seqs(found.events), found.scannedTo])).toEqual([
          [[], 15_001],
          [[], 10_001],
          [[], 5_001],
          [[1], 1],
        ]);
        const finished = await trpc.run.eventsPage.query({ runId, text: "succeeded", limit: 5 });
        expect([seqs(finished.events), finished.hasMore]).toEqual([[20_000], true]);
      } finally {
        await sql.end();
      }
    },
    60_000,
  );
});

describe("run.steps", () => {
  it("summarises each step of the plan without its events: status, attempts, times, event count", async () => {
    const { trpc } = api.client();
    const steps = await trpc.run.steps.query({ runId: run.id });
    const at = (type: string, name: string) => all.find((e) => e.type === type && e.name === name)!.ts;
    expect(steps).toEqual(
      ["EnsureDevice", "Warmup", "OpenApp", "Ping", "Teardown"].map((name) => ({
        name,
        status: "done",
        attempt: 1,
        startedAt: at("NodeStarted", name),
        finishedAt: at("NodeFinished", name),
        // EnsureDevice traces once between its start and finish.
        eventCount: name === "EnsureDevice" ? 3 : 2,
      })),
    );
  });

  it("shows what runs, what waits, and, once cancelled, what stopped and what never ran", async () => {
    const { trpc } = api.client();
    const slow = await trpc.run.start.mutate({ stepDelayMs: 60_000 });
    const stream = subscribeEvents(trpc, { runId: slow.id });
    await awaitEvents(stream, (events) => events.some((e) => e.type === "NodeStarted"), "the first step to start");
    const statuses = async () => (await trpc.run.steps.query({ runId: slow.id })).map((step) => step.status);
    expect(await statuses()).toEqual(["running", "pending", "pending", "pending", "pending"]);
    await trpc.run.cancel.mutate({ runId: slow.id });
    await awaitStreamCompletion(stream);
    expect(await statuses()).toEqual(["stopped", "skipped", "skipped", "skipped", "skipped"]);
    const stranger = api.client({ token: await api.tokenFor("someone-else") }).trpc;
    expect(codeOf(await stranger.run.steps.query({ runId: slow.id }).catch((e: unknown) => e))).toBe("NOT_FOUND");
  });
});

describe("readEventPages", () => {
  it("reads a run's stored events, the page of the last one included, and ends", async () => {
    const client = api.client();
    const pages: RunEvent[][] = [];
    for await (const page of client.readEventPages(run.id)) pages.push(page);
    expect(pages).toEqual([all]);
    expect(seqs((await collect(client.readEventPages(run.id, { afterSeq: 10 }))).flat())).toEqual([11, 12, 13]);
    expect(await collect(client.readEventPages(run.id, { afterSeq: 13 }))).toEqual([]);
  });

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    "reads a long run 1,000 events a page, in seq order, from any seq",
    async () => {
      const sql = postgres(database.url!, { max: 1, onnotice: () => {} });
      try {
        const runId = await insertLongRun(sql, TEST_OWNER, 2_500);
        const client = api.client();
        const pages = await collect(client.readEventPages(runId));
        expect(pages.map((page) => page.length)).toEqual([1_000, 1_000, 500]);
        expect(seqs(pages.flat())).toEqual(range(1, 2_500));
        const later = await collect(client.readEventPages(runId, { afterSeq: 1_499 }));
        expect(later.map((page) => page.length)).toEqual([1_000, 1]);
        expect(seqs(later.flat())).toEqual(range(1_500, 2_500));
      } finally {
        await sql.end();
      }
    },
  );

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    "reads more than ten pages without Node warning of a signal's listeners piling up",
    async () => {
      const sql = postgres(database.url!, { max: 1, onnotice: () => {} });
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on("warning", onWarning);
      try {
        const runId = await insertLongRun(sql, TEST_OWNER, 12_000);
        const pages = await collect(api.client().readEventPages(runId, { signal: new AbortController().signal }));
        expect(pages).toHaveLength(12);
        // Warnings are emitted on the next tick.
        await new Promise<void>((resolve) => setImmediate(resolve));
        expect(warnings.map((warning) => warning.name)).not.toContain("MaxListenersExceededWarning");
      } finally {
        process.off("warning", onWarning);
        await sql.end();
      }
    },
  );

  it("rejects with the server's refusal for an unknown run, and with the reason of an aborted signal", async () => {
    const client = api.client();
    await expect(collect(client.readEventPages("00000000-0000-4000-8000-000000000000"))).rejects.toMatchObject({
      data: { code: "NOT_FOUND" },
    });
    const stopped = new Error("enough");
    await expect(collect(client.readEventPages(run.id, { signal: AbortSignal.abort(stopped) }))).rejects.toBe(stopped);
  });
});

describe("the events download", () => {
  it("streams the run's events as NDJSON to its owner only", async () => {
    const url = api.server.url;
    const owner = await api.tokenFor(TEST_OWNER);
    const response = await download(url, run.id, owner);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(await ndjson(response)).toEqual(all);
    expect((await download(url, run.id, await api.tokenFor("someone-else"))).status).toBe(404);
    expect((await download(url, "00000000-0000-4000-8000-000000000000", owner)).status).toBe(404);
    expect((await download(url, run.id)).status).toBe(401);
    expect((await download(url, run.id, "not-a-token")).status).toBe(401);
  });

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))(
    "streams 100,000 events without the server's memory growing with the run",
    async () => {
      const sql = postgres(database.url!, { max: 1, onnotice: () => {} });
      const server = await spawnTestServer(database.url!);
      try {
        const runId = await insertLongRun(sql, TEST_OWNER, 100_000);
        const baseline = server.rss();
        const response = await download(server.url, runId, server.token);
        expect(response.status).toBe(200);
        // Read it slowly enough for backpressure to matter, sampling the server's memory.
        let peak = baseline;
        let lines = 0;
        let last = "";
        const decoder = new TextDecoder();
        const reader = response.body!.getReader();
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          const text = last + decoder.decode(read.value, { stream: true });
          const parts = text.split("\n");
          last = parts.pop()!;
          lines += parts.length;
          peak = Math.max(peak, server.rss());
        }
        expect(lines).toBe(100_000);
        expect(JSON.parse(last || "{}")).toEqual({});
        // Measured: a page at a time grows the server ~30 MB (first use warms it up, garbage awaits
        // collection); the whole run read at once grows it ~115 MB.
        expect((peak - baseline) / 1024 / 1024).toBeLessThan(64);
      } finally {
        await server.stop();
        await sql.end();
      }
    },
    60_000,
  );
});
