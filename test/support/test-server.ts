import { createRunsClient, type RunsClient, type RunsClientOptions } from "../../src/client";
import type { PlanNode } from "../../src/server/executor/plan";
import { createApiToken } from "../../src/server/auth/api-tokens";
import { parseEnv, serverOptionsFromEnv } from "../../src/env";
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

type Overrides = {
  plan?: readonly PlanNode[];
  executor?: Partial<ServerOptions["executor"]>;
  inboxCapacity?: number;
  limits?: Partial<ServerOptions["connectionLimits"]>;
  ownerLimits?: ServerOptions["ownerLimits"];
  http?: Partial<ServerOptions["http"]>;
  allowedOrigins?: readonly string[];
};

/** Starts the API server (no Next.js) on an ephemeral port over the given test database, with the default settings. */
export async function startTestServer(database: TestDatabase, overrides: Overrides = {}): Promise<TestServer> {
  const defaults = serverOptionsFromEnv(parseEnv({}));
  const server = await startServer({
    ...defaults,
    host: "127.0.0.1",
    port: 0,
    pages: null,
    database: database.open(),
    log: silentLogger,
    executor: { ...defaults.executor, ...overrides.executor },
    ...(overrides.plan ? { plan: overrides.plan } : {}),
    ...(overrides.inboxCapacity ? { inboxCapacity: overrides.inboxCapacity } : {}),
    connectionLimits: { ...defaults.connectionLimits, ...overrides.limits },
    http: { ...defaults.http, ...overrides.http },
    auth: { ...defaults.auth, ...(overrides.allowedOrigins ? { allowedOrigins: overrides.allowedOrigins } : {}) },
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
