import { createRunsClient, type RunsClient } from "@live-runs/client";
import { openDatabase } from "../../src/db/client";
import { createApiToken } from "../../src/server/auth/api-tokens";
import { spawnServer, type ServerProcess } from "./spawn-server";
import { TEST_OWNER } from "./test-server";

export interface TestServerProcess extends ServerProcess {
  /** An API token for TEST_OWNER, which client() uses. */
  token: string;
  /** A new client of this server as TEST_OWNER; closed when the server is crashed or stopped. */
  client(): RunsClient;
}

const TEST_PROCESS_ENV = {
  SHUTDOWN_GRACE_MS: "0",
  // Every test client calls from 127.0.0.1; the per-address limits have their own tests.
  REQUESTS_IN_FLIGHT_PER_ADDRESS: "1000000",
  NEW_SESSIONS_PER_MINUTE_PER_ADDRESS: "1000000",
  NEW_SESSIONS_BURST_PER_ADDRESS: "1000000",
  QUICK_REFUSALS_PER_MINUTE_PER_ADDRESS: "1000000",
  ANON_RUN_STARTS_PER_MINUTE_PER_ADDRESS: "1000000",
  ANON_ACTIVE_RUNS_PER_ADDRESS: "1000000",
};

// Fast failure detection for tests; the defaults (15 s lease) are for production.
export const FAST_LEASES = { LEASE_MS: "1500", HEARTBEAT_MS: "300", LISTENER_CHECK_MS: "500" };

/**
 * The server in a process of its own (spawnServer) with the test settings and a token for
 * TEST_OWNER: what startTestServer is in-process, for tests that crash, stop or read the logs of
 * a real process.
 */
export async function spawnTestServer(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<TestServerProcess> {
  const server = await spawnServer({ databaseUrl, env: { ...TEST_PROCESS_ENV, ...env } });
  let token: string;
  try {
    token = await createTokenOn(databaseUrl, TEST_OWNER);
  } catch (error) {
    await server.crash();
    throw error;
  }
  const clients: RunsClient[] = [];
  const closeClients = () => Promise.all(clients.splice(0).map((c) => c.close()));
  return {
    pid: server.pid,
    url: server.url,
    logs: server.logs,
    get instanceId() {
      return server.instanceId;
    },
    rss: () => server.rss(),
    token,
    client() {
      const client = createRunsClient({ url: server.url, token, retryDelayMs: () => 100 });
      clients.push(client);
      return client;
    },
    async crash() {
      await server.crash();
      await closeClients();
    },
    async stop(timeoutMs) {
      const code = await server.stop(timeoutMs);
      await closeClients();
      return code;
    },
  };
}

async function createTokenOn(databaseUrl: string, ownerId: string): Promise<string> {
  const database = openDatabase({ kind: "postgres", url: databaseUrl, poolMax: 1 });
  try {
    return (await createApiToken(database.db, ownerId)).secret;
  } finally {
    await database.close();
  }
}
