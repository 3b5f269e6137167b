// The Playwright web server: the production custom server (what `npm start` runs) on a database
// of its own. A new Postgres database on TEST_DATABASE_URL's server when that is set, else a
// fresh PGlite directory; either is removed when the server stops.
//   node --import tsx e2e/serve.ts       (after `npm run build`; PORT and HOST from the environment)
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFreshDatabase } from "../test/support/fresh-database";
import { createExampleToken, exampleTokenFile } from "./support/example-token";
import { databaseUrlFile } from "./support/server-settings";

interface ServerDatabase {
  env: Record<string, string>;
  remove(): Promise<void>;
}

async function freshPostgres(adminUrl: string): Promise<ServerDatabase> {
  const fresh = await createFreshDatabase(adminUrl, "live_runs_e2e");
  return { env: { DATABASE_URL: fresh.url }, remove: () => fresh.drop() };
}

function freshPglite(): ServerDatabase {
  const dataDir = mkdtempSync(join(tmpdir(), "live-runs-e2e-"));
  return {
    env: { PGLITE_DATA_DIR: dataDir },
    remove: () => rm(dataDir, { recursive: true, force: true }),
  };
}

const adminUrl = process.env.TEST_DATABASE_URL;
const database = adminUrl ? await freshPostgres(adminUrl) : freshPglite();
// Specs that act as another instance read the database's URL here; none is left from an earlier suite.
const urlFile = databaseUrlFile(process.env.PORT ?? "3000");
rmSync(urlFile, { force: true });
if (database.env.DATABASE_URL) writeFileSync(urlFile, database.env.DATABASE_URL);
// The example apps' pages call the API from their own origin with a token, made before the server holds the database.
writeFileSync(exampleTokenFile(process.env.PORT ?? "3000"), await createExampleToken(database.env));

const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "production",
  // Production requires a configured session secret: a fresh one per suite run unless given.
  SESSION_SECRET: process.env.SESSION_SECRET ?? randomBytes(32).toString("base64url"),
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
  // Runs still in flight when the suite ends are not waited for.
  SHUTDOWN_GRACE_MS: "0",
  // Every browser context of the suite is a new session from 127.0.0.1; the limit has its own tests.
  NEW_SESSIONS_PER_MINUTE_PER_ADDRESS: "10000",
  NEW_SESSIONS_BURST_PER_ADDRESS: "10000",
};
delete env.DATABASE_URL;
delete env.PGLITE_DATA_DIR;
Object.assign(env, database.env);

// Its own process group: Playwright signals this script's group, and the server must get exactly
// one SIGTERM (a second one would skip its graceful shutdown).
const server = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
  env,
  stdio: "inherit",
  detached: true,
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.kill("SIGTERM");
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// Should this script die first, do not leave the server holding the port.
process.on("exit", () => server.kill("SIGKILL"));

server.on("exit", (code, signal) => {
  rmSync(urlFile, { force: true });
  rmSync(exampleTokenFile(process.env.PORT ?? "3000"), { force: true });
  void database.remove().finally(() => process.exit(stopping ? 0 : (code ?? (signal ? 1 : 0))));
});
