import { parseEnv } from "../env";
import { databaseOptionsFromEnv, openDatabase } from "./client";
import { describeDatabaseError, EXIT_DATABASE_BUSY } from "./command-errors";
import { applyMigrations } from "./migrate";

// Applies pending migrations (drizzle/) to DATABASE_URL, or to the embedded PGlite directory.
const USAGE = `usage: db:migrate  (no arguments: applies pending migrations to DATABASE_URL, else PGLITE_DATA_DIR)
Exit codes: 0 applied (or nothing to apply), 2 bad usage, 4 error (database unreachable, bad setting),
  5 the embedded database is in use by a running server (which applied them when it started).`;

if (process.argv.length > 2) {
  // It takes no arguments: --help is answered, anything else is a mistake; nothing is applied.
  const help = process.argv[2] === "--help" || process.argv[2] === "-h";
  (help ? process.stdout : process.stderr).write(`${USAGE}\n`);
  process.exit(help ? 0 : 2);
}

try {
  const database = openDatabase(databaseOptionsFromEnv(parseEnv(process.env), "db:migrate"));
  try {
    await applyMigrations(database);
    process.stdout.write(`migrations applied (${database.kind})\n`);
  } finally {
    await database.close();
  }
} catch (error) {
  const { message, busy } = describeDatabaseError(
    error,
    "it applied pending migrations when it started; to apply new ones, restart it",
  );
  process.stderr.write(`db:migrate: ${message}\n`);
  process.exit(busy ? EXIT_DATABASE_BUSY : 4);
}
