import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { builtOnce } from "../../db/built-once";
import type { Db } from "../../db/client";
import { apiTokens } from "../../db/schema";

// Recognisable in logs and secret scanners; the rest is 32 random bytes.
const TOKEN_PREFIX = "lrt_";

const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

export interface ApiToken {
  id: string;
  ownerId: string;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Creates a token for `ownerId`. The secret is returned once and only its hash is stored. */
export async function createApiToken(
  db: Db,
  ownerId: string,
  label = "",
): Promise<{ token: ApiToken; secret: string }> {
  const secret = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const [token] = await db
    .insert(apiTokens)
    .values({ ownerId, label, secretHash: hashSecret(secret) })
    .returning();
  return { token: publicFields(token!), secret };
}

/** The live (unrevoked) token with this secret: its id and owner; null for anything else. */
export async function findLiveApiToken(db: Db, secret: string): Promise<{ id: string; ownerId: string } | null> {
  if (!secret.startsWith(TOKEN_PREFIX)) return null;
  const [row] = await liveTokenBySecretHash(db).execute({ secretHash: hashSecret(secret) });
  return row ?? null;
}

// Every HTTP call with a token asks this.
const liveTokenBySecretHash = builtOnce((db) =>
  db
    .select({ id: apiTokens.id, ownerId: apiTokens.ownerId })
    .from(apiTokens)
    .where(and(eq(apiTokens.secretHash, sql.placeholder("secretHash")), isNull(apiTokens.revokedAt)))
    .prepare("live_api_token_by_secret_hash"),
);

/** True once the token is revoked (or gone): revocation is final. */
export async function isApiTokenRevoked(db: Db, tokenId: string): Promise<boolean> {
  const [row] = await tokenRevokedAt(db).execute({ tokenId });
  return !row || row.revokedAt !== null;
}

const tokenRevokedAt = builtOnce((db) =>
  db
    .select({ revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(eq(apiTokens.id, sql.placeholder("tokenId")))
    .prepare("api_token_revoked_at"),
);

/** Revokes a token; returns false when there is no such live token. */
export async function revokeApiToken(db: Db, tokenId: string): Promise<boolean> {
  const revoked = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return revoked.length > 0;
}

/** True when at least one token, of any owner, is not revoked. */
export async function hasLiveApiToken(db: Db): Promise<boolean> {
  const [row] = await db.select({ id: apiTokens.id }).from(apiTokens).where(isNull(apiTokens.revokedAt)).limit(1);
  return row !== undefined;
}

export async function listApiTokens(db: Db, ownerId?: string): Promise<ApiToken[]> {
  const rows = await db
    .select()
    .from(apiTokens)
    .where(ownerId ? eq(apiTokens.ownerId, ownerId) : undefined)
    .orderBy(apiTokens.createdAt);
  return rows.map(publicFields);
}

function publicFields(row: typeof apiTokens.$inferSelect): ApiToken {
  return { id: row.id, ownerId: row.ownerId, label: row.label, createdAt: row.createdAt, revokedAt: row.revokedAt };
}
