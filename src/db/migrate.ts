import { fileURLToPath } from "node:url";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Database } from "./client";
import { connectionOptions } from "./postgres-options";

export const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

// Any constant shared by every instance: servers starting at once migrate one at a time.
const MIGRATION_LOCK_KEY = 7_246_813;

/** Applies the committed drizzle/ migrations that the database has not seen yet. */
export async function applyMigrations(database: Database): Promise<void> {
  if (database.kind === "pglite") {
    await migratePglite(drizzlePglite({ client: database.client }), { migrationsFolder });
    return;
  }
  // The migrator reads the applied list before its own transaction, so a transaction-scoped lock
  // cannot cover it: hold a session advisory lock on a single-connection client instead.
  const connection = postgres(database.url, { ...connectionOptions, max: 1 });
  try {
    await connection`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(drizzlePostgres({ client: connection }), { migrationsFolder });
  } finally {
    await connection.end();
  }
}
