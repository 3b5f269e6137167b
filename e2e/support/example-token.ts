import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/db/client";
import { applyMigrations } from "../../src/db/migrate";
import { createApiToken } from "../../src/server/auth/api-tokens";

/** The owner of the runs the example apps' pages start. */
export const EXAMPLE_OWNER = "e2e-examples";

/** Where e2e/serve.ts writes the example apps' API token for the server on this port. */
export const exampleTokenFile = (port: number | string) => join(tmpdir(), `live-runs-e2e-${port}.example-token`);

/**
 * An API token for the example apps' pages, which call the API from another origin and so with a
 * token only. Made on the suite's fresh database before the server opens it: embedded PGlite
 * admits one process, so this is the only moment a spec's token can be written there.
 */
export async function createExampleToken(databaseEnv: { DATABASE_URL?: string; PGLITE_DATA_DIR?: string }) {
  const database = openDatabase(
    databaseEnv.DATABASE_URL
      ? { kind: "postgres", url: databaseEnv.DATABASE_URL, poolMax: 1 }
      : { kind: "pglite", dataDir: databaseEnv.PGLITE_DATA_DIR ?? "" },
  );
  try {
    await applyMigrations(database);
    return (await createApiToken(database.db, EXAMPLE_OWNER, "e2e example apps")).secret;
  } finally {
    await database.close();
  }
}

export const readExampleToken = (port: number | string) => readFileSync(exampleTokenFile(port), "utf8").trim();
