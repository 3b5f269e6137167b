import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { createRunsClient, type RunsClient } from "../../src/client";
import { openDatabase } from "../../src/db/client";
import { createApiToken } from "../../src/server/auth/api-tokens";
import { TEST_OWNER } from "./test-server";

export interface ServerProcess {
  url: string;
  /** An API token for TEST_OWNER, which client() uses. */
  token: string;
  instanceId: string;
  /** Log lines (JSON) the process printed so far. */
  logs: string[];
  client(): RunsClient;
  /** kill -9: no shutdown, no drain, leases left to expire. */
  crash(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

// Fast failure detection for tests; the defaults (15 s lease) are for production.
export const FAST_LEASES = { LEASE_MS: "1500", HEARTBEAT_MS: "300", LISTENER_CHECK_MS: "500" };

/** Starts `src/server/main.ts` (API only) in its own process on an ephemeral port. */
export async function spawnServer(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      // Production requires a configured secret; every test instance shares this one.
      SESSION_SECRET: "test-session-secret-of-at-least-32-characters",
      SERVE_PAGES: "false",
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "info",
      SHUTDOWN_GRACE_MS: "0",
      // Every test client calls from 127.0.0.1; the per-address limits have their own tests.
      REQUESTS_IN_FLIGHT_PER_ADDRESS: "1000000",
      NEW_SESSIONS_PER_MINUTE_PER_ADDRESS: "1000000",
      ANON_RUN_STARTS_PER_MINUTE_PER_ADDRESS: "1000000",
      ANON_ACTIVE_RUNS_PER_ADDRESS: "1000000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const stderr: string[] = [];
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const listening = new Promise<{ url: string; instanceId: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${stderr.join("")}`)), 20_000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      logs.push(line);
      const entry = parseLog(line);
      if (entry?.msg === "live runs server listening") {
        clearTimeout(timer);
        resolve({ url: String(entry.url), instanceId: String(entry.instanceId) });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${stderr.join("")}`));
    });
  });
  const { url, instanceId } = await listening;
  const token = await createTokenOn(databaseUrl, TEST_OWNER);
  const clients: RunsClient[] = [];
  const closeClients = () => Promise.all(clients.splice(0).map((c) => c.close()));
  return {
    url,
    token,
    instanceId,
    logs,
    client() {
      const client = createRunsClient({ url, token, retryDelayMs: () => 100 });
      clients.push(client);
      return client;
    },
    async crash() {
      await killAndWait(child, "SIGKILL", exited);
      await closeClients();
    },
    async stop() {
      const code = await killAndWait(child, "SIGTERM", exited);
      await closeClients();
      return code;
    },
  };
}

async function killAndWait(child: ChildProcess, signal: NodeJS.Signals, exited: Promise<number | null>) {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  return exited;
}

async function createTokenOn(databaseUrl: string, ownerId: string): Promise<string> {
  const database = openDatabase({ kind: "postgres", url: databaseUrl, poolMax: 1 });
  try {
    return (await createApiToken(database.db, ownerId)).secret;
  } finally {
    await database.close();
  }
}

function parseLog(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
