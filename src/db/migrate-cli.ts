import { parseEnv } from "../env";
import { databaseOptionsFromEnv, openDatabase } from "./client";
import { applyMigrations } from "./migrate";

// Applies pending migrations (drizzle/) to DATABASE_URL, or to the embedded PGlite directory.
if (process.argv.length > 2) {
  // It takes no arguments: --help is answered, anything else is a mistake; nothing is applied.
  const help = process.argv[2] === "--help" || process.argv[2] === "-h";
  (help ? process.stdout : process.stderr).write(
    "usage: db:migrate  (no arguments: applies pending migrations to DATABASE_URL, else PGLITE_DATA_DIR)\n",
  );
  process.exit(help ? 0 : 2);
}

const env = parseEnv(process.env);
const database = openDatabase(databaseOptionsFromEnv(env));
try {
  await applyMigrations(database);
  process.stdout.write(`migrations applied (${database.kind})\n`);
} finally {
  await database.close();
}
