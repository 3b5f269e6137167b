import { createRunsClient, type RunsClient, type RunsClientOptions } from "../../src/client";
import type { PlanNode } from "../../src/server/executor/plan";
import { createApiToken } from "../../src/server/auth/api-tokens";
import { silentLogger } from "../../src/server/log";
import { startServer, type RunningServer, type ServerOptions } from "../../src/server/server";
import type { TestDatabase } from "./test-database";

export const TEST_OWNER = "test-owner";

export interface TestServer {
  server: RunningServer;
  /** A new client connected to this server, as TEST_OWNER unless given another token; closed with the server. */
  client(options?: Omit<RunsClientOptions, "url">): RunsClient;
  /** A new API token for `ownerId`. */
  tokenFor(ownerId: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts the API server (no Next.js) on an ephemeral port over the given test database. */
export async function startTestServer(
  database: TestDatabase,
  overrides: {
    plan?: readonly PlanNode[];
    executor?: Partial<ServerOptions["executor"]>;
    inboxCapacity?: number;
    limits?: ServerOptions["limits"];
    ownerLimits?: ServerOptions["ownerLimits"];
  } = {},
): Promise<TestServer> {
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    database: database.open(),
    log: silentLogger,
    executor: {
      concurrency: 16,
      pollMs: 1_000,
      leaseMs: 15_000,
      heartbeatMs: 5_000,
      nodeTimeoutMs: 120_000,
      ...overrides.executor,
      ...(overrides.plan ? { plan: overrides.plan } : {}),
    },
    outbox: { pollMs: 1_000, batchSize: 500 },
    ...(overrides.inboxCapacity ? { inboxCapacity: overrides.inboxCapacity } : {}),
    ...(overrides.limits ? { limits: overrides.limits } : {}),
    // Tests start runs far faster than a person; the limits have their own tests.
    ownerLimits: overrides.ownerLimits ?? { startsPerMinute: 1_000_000, activeRunsPerOwner: 1_000_000 },
    shutdownGraceMs: 0,
  });
  const tokenFor = async (ownerId: string) => (await createApiToken(server.services.database.db, ownerId)).secret;
  const defaultToken = await tokenFor(TEST_OWNER);
  const clients: RunsClient[] = [];
  return {
    server,
    tokenFor,
    client(options = {}) {
      const client = createRunsClient({ url: server.url, token: defaultToken, ...options });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    },
  };
}
