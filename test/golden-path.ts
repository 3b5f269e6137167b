import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOutbox } from "../src/db/schema";
import { awaitOutboxFlush, awaitStreamCompletion, subscribeEvents } from "./support/await";
import { CANONICAL_TIMELINE } from "./support/canonical-timeline";
import { createTestDatabase, type TestDatabaseKind } from "./support/test-database";
import { startTestServer, type TestServer } from "./support/test-server";

/** The golden path, run once against each database kind the product supports. */
export function describeGoldenPath(kind?: TestDatabaseKind) {
  describe(`golden path (${kind ?? "test database"})`, () => {
    let api: TestServer;
    let drop: () => Promise<void>;

    beforeAll(async () => {
      const database = await createTestDatabase(kind);
      drop = () => database.drop();
      api = await startTestServer(database);
    });
    afterAll(async () => {
      await api?.close();
      await drop?.();
    });

    it("runs the canonical plan: 13 events in order, succeeded, all published", async () => {
      const { trpc } = api.client();
      const started = await trpc.run.start.mutate({ appPath: "apps/demo", stepDelayMs: 0 });
      expect(started).toMatchObject({ status: "queued", appPath: "apps/demo", stepDelayMs: 0, lastSeq: 1 });

      const events = await awaitStreamCompletion(subscribeEvents(trpc, { runId: started.id }));

      expect(events.map((e) => e.seq)).toEqual([...Array(13).keys()].map((i) => i + 1));
      expect(events).toMatchObject(CANONICAL_TIMELINE);
      for (const event of events) {
        expect(event).toMatchObject({ runId: started.id, v: 1 });
        expect(event.ts).toBeTypeOf("number");
      }
      expect(events[0]!.source).toBe("api");
      expect(events.slice(1).every((e) => e.source === "worker")).toBe(true);
      expect(events.at(-1)).not.toHaveProperty("reason");

      const run = await trpc.run.get.query({ runId: started.id });
      expect(run).toMatchObject({ id: started.id, status: "succeeded", lastSeq: 13 });
      expect(run.startedAt).not.toBeNull();
      expect(run.finishedAt).not.toBeNull();
      // Over HTTP a page is the JSON text the database makes, as the stream's events once parsed.
      expect(await trpc.run.eventsPage.query({ runId: started.id, afterSeq: 0, limit: 1_000 })).toEqual({
        events,
        hasMore: false,
      });
      expect(await trpc.run.eventsPage.query({ runId: started.id, limit: 5 })).toEqual({
        events: events.slice(-5),
        hasMore: true,
      });

      const db = api.server.services.database.db;
      await awaitOutboxFlush(db, started.id);
      const outbox = await db.select().from(runOutbox).where(eq(runOutbox.runId, started.id));
      expect(outbox.map((row) => row.seq).sort((a, b) => a - b)).toEqual(events.map((e) => e.seq));
      expect(outbox.every((row) => row.publishedAt instanceof Date)).toBe(true);
    });
  });
}
