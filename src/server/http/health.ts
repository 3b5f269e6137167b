import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { migrationsFolder } from "../../db/migrate";

export interface ReadinessSources {
  db: Db;
  outboxRunning: () => boolean;
  /** Answer within this long or count as unreachable. */
  timeoutMs: number;
}

/** "ok", or what is wrong. */
type Check = string;

export interface Readiness {
  ready: boolean;
  checks: { database: Check; migrations: Check; outbox: Check };
}

const expectedMigrations = (): number =>
  (JSON.parse(readFileSync(join(migrationsFolder, "meta", "_journal.json"), "utf8")) as { entries: unknown[] }).entries
    .length;

/** Database reachable, every committed migration applied, outbox poller running. */
export async function checkReadiness(sources: ReadinessSources): Promise<Readiness> {
  const checks: Readiness["checks"] = { database: "ok", migrations: "ok", outbox: "ok" };
  try {
    const [row] = await withTimeout(
      sources.db
        .select({ applied: sql<number>`count(*)::int` })
        .from(sql`drizzle.__drizzle_migrations`)
        .then((rows) => rows),
      sources.timeoutMs,
    );
    const expected = expectedMigrations();
    if ((row?.applied ?? 0) < expected) checks.migrations = `${row?.applied ?? 0} of ${expected} applied`;
  } catch (error) {
    checks.database = `unreachable: ${error instanceof Error ? error.message : String(error)}`;
    checks.migrations = "unknown";
  }
  if (!sources.outboxRunning()) checks.outbox = "stopped";
  return { ready: Object.values(checks).every((check) => check === "ok"), checks };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
