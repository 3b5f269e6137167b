import type { SQL } from "drizzle-orm";
import type { Db } from "./client";

/** The rows of a raw statement, whichever driver runs it (postgres.js returns an array, PGlite `{ rows }`). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
}
