import { afterAll, beforeAll } from "vitest";
import { spawnTestServer, type TestServerProcess } from "./server-process";
import { startTcpProxy } from "./tcp-proxy";
import { createTestDatabase, type TestDatabase } from "./test-database";

export interface ServerBehindProxy {
  database: TestDatabase;
  /** Between the server and Postgres: take it down or make it act as a restarting database. */
  proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  server: TestServerProcess;
}

/**
 * One server process per test file that reaches its fresh Postgres database through a TCP proxy
 * the test controls, for outage tests (needs TEST_DATABASE_URL: a server process and a proxy).
 */
export function useServerBehindProxy(env: Record<string, string>): () => ServerBehindProxy {
  let setup: Partial<ServerBehindProxy> = {};
  beforeAll(async () => {
    const database = await createTestDatabase();
    setup = { database };
    const direct = new URL(database.url!);
    const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    setup.proxy = proxy;
    const viaProxy = new URL(direct);
    viaProxy.port = String(proxy.port);
    setup.server = await spawnTestServer(viaProxy.toString(), env);
  }, 60_000);
  afterAll(async () => {
    await setup.server?.stop();
    await setup.proxy?.close();
    await setup.database?.drop();
  });
  return () => {
    if (!setup.server) throw new Error("server behind proxy not started");
    return setup as ServerBehindProxy;
  };
}
