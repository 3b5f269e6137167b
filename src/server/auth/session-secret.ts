import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { serverSettings } from "../../db/schema";

const KEY = "session_secret";

/**
 * The secret that signs session cookies: SESSION_SECRET when set, else one generated on first
 * start and kept in the database, so every instance on it signs alike with no set-up.
 */
export async function loadSessionSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  await db
    .insert(serverSettings)
    .values({ key: KEY, value: randomBytes(32).toString("base64url") })
    .onConflictDoNothing();
  const [row] = await db.select().from(serverSettings).where(eq(serverSettings.key, KEY));
  return row!.value;
}
