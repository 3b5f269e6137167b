import { afterAll, beforeAll } from "vitest";
import { createTestDatabase } from "./test-database";
import { startTestServer, type TestServer } from "./test-server";

/** One test database and one API server per test file, dropped after it. */
export function useTestServer(overrides: Parameters<typeof startTestServer>[1] = {}): () => TestServer {
  let api: TestServer | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = () => database.drop();
    api = await startTestServer(database, overrides);
  });
  afterAll(async () => {
    await api?.close();
    await drop?.();
  });
  return () => {
    if (!api) throw new Error("test server not started");
    return api;
  };
}

export const seqs = (events: { seq: number }[]) => events.map((e) => e.seq);
export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
