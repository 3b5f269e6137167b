import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runs } from "../src/db/schema";
import { RUN_SEQ_MAX } from "../src/shared/api";
import { awaitStreamCompletion, subscribeEvents } from "./support/await";
import { useTestServer } from "./support/fixture";
import { request } from "./support/raw-http";

const api = useTestServer();

/** What a database error's text would bring along: a statement, a table, a stack. */
const SQL_OR_STACK = /\b(select|insert|update|delete)\b|\bfrom "|run_outbox|"stack"|\.ts:\d+/i;

async function call(procedure: string, input: unknown, method: "GET" | "POST" = "GET") {
  const authorization = `Bearer ${await api().tokenFor("leak-prober")}`;
  const encoded = encodeURIComponent(JSON.stringify(input));
  return method === "GET"
    ? request(api().server.url, `/api/trpc/${procedure}?input=${encoded}`, { headers: { authorization } })
    : request(api().server.url, `/api/trpc/${procedure}`, {
        method,
        headers: { authorization, "content-type": "application/json" },
        body: JSON.stringify(input),
      });
}

const listCursor = (createdAtMs: number) => Buffer.from(`${createdAtMs}.${randomUUID()}`).toString("base64url");

describe("inputs the database would refuse are refused at the edge (400, no SQL)", () => {
  it.each(["/a\u0000b", "/esc\u001b[31m", "/del\u007f", "/c1\u0085", "/lone\ud800"])(
    "run.start with appPath %j",
    async (appPath) => {
      const response = await call("run.start", { appPath }, "POST");
      expect(response.status).toBe(400);
      expect(response.body).toContain("must not contain control characters");
      expect(response.body).not.toMatch(SQL_OR_STACK);
    },
  );

  it("a list cursor past year 9999 is BAD_REQUEST; the last millisecond of 9999 is served", async () => {
    const tooLate = await call("run.list", { cursor: listCursor(Date.UTC(10000, 0, 1)) });
    expect(tooLate.status).toBe(400);
    expect(tooLate.body).toContain("invalid cursor");
    expect(tooLate.body).not.toMatch(SQL_OR_STACK);
    const latest = await call("run.list", { cursor: listCursor(Date.UTC(9999, 11, 31, 23, 59, 59, 999)) });
    expect(latest.status).toBe(200);
  });

  it("fromSeq and lastEventId past the largest seq are BAD_REQUEST with the zod issues", async () => {
    const { trpc } = api().client();
    const run = await trpc.run.start.mutate({ stepDelayMs: 0 });
    await expect(
      awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id, fromSeq: RUN_SEQ_MAX + 1 })),
    ).rejects.toMatchObject({ data: { code: "BAD_REQUEST", issues: [{ path: ["fromSeq"] }] } });
    const lastEventIdError = await new Promise<unknown>((resolve) => {
      trpc.run.events.subscribe(
        { runId: run.id, lastEventId: String(RUN_SEQ_MAX + 1) },
        { onError: resolve, onComplete: () => resolve(null) },
      );
    });
    expect(lastEventIdError).toMatchObject({ data: { code: "BAD_REQUEST", issues: [{ path: ["lastEventId"] }] } });
    // The largest seq itself is valid input: past this run's end, which the run service refuses.
    await expect(
      awaitStreamCompletion(subscribeEvents(trpc, { runId: run.id, fromSeq: RUN_SEQ_MAX })),
    ).rejects.toMatchObject({ data: { code: "BAD_REQUEST", issues: null } });
  });
});

describe("an unexpected error", () => {
  it("answers a generic message with an error id: no statement, no table, no stack", async () => {
    const db = api().server.services.database.db;
    const runsBefore = (await db.select({ n: sql<number>`count(*)::int` }).from(runs))[0]!.n;
    // Every run.start writes an outbox row: without the table it fails with a database error.
    await db.execute(sql`alter table run_outbox rename to run_outbox_hidden`);
    try {
      const response = await call("run.start", { stepDelayMs: 0 }, "POST");
      expect(response.status).toBe(500);
      const body = JSON.parse(response.body) as { error: { message: string; data: Record<string, unknown> } };
      const errorId = body.error.data.errorId as string;
      expect(errorId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(body.error.message).toBe(`Internal error (reference ${errorId})`);
      expect(body.error.data).toMatchObject({ code: "INTERNAL_SERVER_ERROR", httpStatus: 500 });
      expect(body.error.data).not.toHaveProperty("stack");
      expect(response.body).not.toMatch(SQL_OR_STACK);
    } finally {
      await db.execute(sql`alter table run_outbox_hidden rename to run_outbox`);
    }
    expect((await db.select({ n: sql<number>`count(*)::int` }).from(runs))[0]!.n).toBe(runsBefore);
  });
});
