import { createRunsClient, type RunsClient, type RunsClientOptions } from "@live-runs/client";
import { canonicalPlan, type CanonicalInput } from "../../src/plans/canonical";
import type { Plan, PlanNode } from "../../src/plans/types";
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
  /** Nodes that replace the canonical plan's (same input: appPath, stepDelayMs). */
  plan?: readonly PlanNode<CanonicalInput>[];
  /** More plans, or plans replacing registered ones of the same name. */
  plans?: readonly Plan[];
  executor?: Partial<ServerOptions["executor"]>;
  inboxCapacity?: number;
  limits?: Partial<ServerOptions["connectionLimits"]>;
  ownerLimits?: ServerOptions["ownerLimits"];
  retention?: Partial<ServerOptions["retention"]>;
  http?: Partial<ServerOptions["http"]>;
  allowedOrigins?: readonly string[];
  /** How often open subscriptions re-check their credentials (default: the server's). */
  credentialCheckMs?: number;
  /** Origins plans may fetch; by default the server's own demo app. */
  crawlAllowedOrigins?: readonly string[];
  addressLimits?: Partial<ServerOptions["addressLimits"]>;
  queuedRunsLimit?: number;
};

/** Tests make many calls and start many runs from 127.0.0.1: no per-address limits unless a test sets them. */
const UNLIMITED_ADDRESS = {
  newSessionsPerMinute: 1_000_000,
  newSessionsBurst: 1_000_000,
  quickRefusalsPerMinute: 1_000_000,
  requestsInFlight: 1_000_000,
  anonymousCallsPerSecond: 1_000_000,
  anonymousCallsBurst: 1_000_000,
  anonymousRuns: { startsPerMinute: 1_000_000, activeRuns: 1_000_000 },
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
    plans: [...(overrides.plan ? [{ ...canonicalPlan, nodes: overrides.plan }] : []), ...(overrides.plans ?? [])],
    ...(overrides.inboxCapacity ? { inboxCapacity: overrides.inboxCapacity } : {}),
    connectionLimits: { ...defaults.connectionLimits, ...overrides.limits },
    retention: { ...defaults.retention, ...overrides.retention },
    http: { ...defaults.http, ...overrides.http },
    auth: {
      ...defaults.auth,
      ...(overrides.allowedOrigins ? { allowedOrigins: overrides.allowedOrigins } : {}),
      ...(overrides.credentialCheckMs ? { credentialCheckMs: overrides.credentialCheckMs } : {}),
    },
    // Tests start runs far faster than a person; the limits have their own tests.
    ownerLimits: overrides.ownerLimits ?? { startsPerMinute: 1_000_000, activeRunsPerOwner: 1_000_000 },
    addressLimits: { ...defaults.addressLimits, ...UNLIMITED_ADDRESS, ...overrides.addressLimits },
    queuedRunsLimit: overrides.queuedRunsLimit ?? defaults.queuedRunsLimit,
    shutdownGraceMs: 0,
    crawlAllowedOrigins: overrides.crawlAllowedOrigins ?? [],
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
