import { openDatabase } from "../../src/db/client";
import { startTestServer, type TestServer } from "../../test/support/test-server";
import { createBenchDatabase, type BenchDatabase } from "./database";

/**
 * A server in this process on a fresh bench database (dropped when the server closes): for the
 * bench tools that measure the server's own CPU or heap, which must share its process.
 */
export async function startInProcessServer(label: string): Promise<{ api: TestServer; bench: BenchDatabase }> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const bench = await createBenchDatabase(adminUrl, label);
  const api = await startTestServer({
    kind: "postgres",
    url: bench.url,
    open: () => openDatabase({ kind: "postgres", url: bench.url, poolMax: 10 }),
    drop: () => bench.drop(),
  });
  return { api, bench };
}
