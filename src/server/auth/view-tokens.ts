// View tokens: what a backend hands a browser on another origin so it can watch one run, read-only,
// for a short while. Stored as SHA-256 hashes, like API tokens, in a table of their own.
import { createHash, randomBytes } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import { builtOnce } from "../../db/built-once";
import type { Db } from "../../db/client";
import { runs, viewTokens } from "../../db/schema";

// Told apart from API tokens ("lrt_") before any lookup; the expiry follows in base 36, so an
// expired token is refused without a query (changing it changes the hash: the lookup then fails).
const VIEW_TOKEN_PREFIX = "lrv_";

/** The shape of a view token, for inputs that take one. */
export const VIEW_TOKEN_PATTERN = /^lrv_[0-9a-z]{1,11}_[A-Za-z0-9_-]{43}$/;

/** A view token's grant: the run it may read, whose owner it acts for, until when (epoch ms). */
export interface ViewGrant {
  tokenHash: string;
  runId: string;
  ownerId: string;
  expiresAt: number;
}

export function isViewToken(token: string): boolean {
  return token.startsWith(VIEW_TOKEN_PREFIX);
}

export const hashViewToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** The expiry a well-formed view token carries (epoch ms), or null when it is not one. */
export function viewTokenExpiry(token: string): number | null {
  if (!VIEW_TOKEN_PATTERN.test(token)) return null;
  const expiresAt = parseInt(token.slice(VIEW_TOKEN_PREFIX.length, token.indexOf("_", VIEW_TOKEN_PREFIX.length)), 36);
  return Number.isSafeInteger(expiresAt) ? expiresAt : null;
}

/** A new token for `runId` until `expiresAt`; the caller has checked the run is the owner's. */
export async function mintViewToken(
  db: Db,
  runId: string,
  expiresAt: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const token = `${VIEW_TOKEN_PREFIX}${expiresAt.getTime().toString(36)}_${randomBytes(32).toString("base64url")}`;
  await db.insert(viewTokens).values({ runId, secretHash: hashViewToken(token), expiresAt });
  return { token, expiresAt };
}

/** The grant of an unrevoked token with this hash (expired or not), or null. */
export async function findViewGrant(db: Db, tokenHash: string): Promise<ViewGrant | null> {
  const [row] = await viewGrantBySecretHash(db).execute({ tokenHash });
  return row ? { tokenHash, runId: row.runId, ownerId: row.ownerId, expiresAt: row.expiresAt.getTime() } : null;
}

// Every call with a view token asks this (through ViewTokenLookups' cache).
const viewGrantBySecretHash = builtOnce((db) =>
  db
    .select({ runId: viewTokens.runId, ownerId: runs.ownerId, expiresAt: viewTokens.expiresAt })
    .from(viewTokens)
    .innerJoin(runs, eq(runs.id, viewTokens.runId))
    .where(and(eq(viewTokens.secretHash, sql.placeholder("tokenHash")), sql`${viewTokens.revokedAt} is null`))
    .prepare("view_grant_by_secret_hash"),
);

/**
 * Revokes the token if it is one of `ownerId`'s runs': when it was revoked (the first time, so a
 * repeated call answers the same), or null when the owner has no such token.
 */
export async function revokeViewGrant(db: Db, ownerId: string, tokenHash: string): Promise<Date | null> {
  const [row] = await db
    .update(viewTokens)
    .set({ revokedAt: sql`coalesce(${viewTokens.revokedAt}, now())` })
    .where(
      and(
        eq(viewTokens.secretHash, tokenHash),
        inArray(viewTokens.runId, db.select({ id: runs.id }).from(runs).where(eq(runs.ownerId, ownerId))),
      ),
    )
    .returning({ revokedAt: viewTokens.revokedAt });
  return row?.revokedAt ?? null;
}

/**
 * Deletes up to `batch` view tokens that expired more than a day ago (revoked or not: past their
 * expiry they are refused from the token alone). Keeps the table to about two days of minting
 * even when finished runs are kept forever, so the scan it needs stays small without an index.
 */
export async function purgeExpiredViewTokens(db: Db, batch: number): Promise<number> {
  const purged = await db
    .delete(viewTokens)
    .where(
      inArray(
        viewTokens.id,
        db
          .select({ id: viewTokens.id })
          .from(viewTokens)
          .where(sql`${viewTokens.expiresAt} < now() - interval '1 day'`)
          .limit(batch),
      ),
    )
    .returning({ id: viewTokens.id });
  return purged.length;
}
