import { parseEnv } from "../env";
import { databaseOptionsFromEnv, openDatabase } from "./client";
import { applyMigrations } from "./migrate";

const env = parseEnv(process.env);
const database = openDatabase(databaseOptionsFromEnv(env));
try {
  await applyMigrations(database);
  process.stdout.write(`migrations applied (${database.kind})\n`);
} finally {
  await database.close();
}
