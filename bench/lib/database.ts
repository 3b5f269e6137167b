import { sql } from "drizzle-orm";
import postgres from "postgres";
import { openDatabase, type Db } from "../../src/db/client";
import { queryRows } from "../../src/db/query";
import { applyMigrations } from "../../src/db/migrate";
import { createApiToken } from "../../src/server/auth/api-tokens";
import { createFreshDatabase } from "../../test/support/fresh-database";
export { insertLongRun } from "../../test/support/long-run";

export interface BenchDatabase {
  url: string;
  /** A small postgres.js pool on the bench database, for fixtures and counters. */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

/** A fresh, migrated database on the admin URL's server; dropped by `drop()`. */
export async function createBenchDatabase(adminUrl: string, label: string): Promise<BenchDatabase> {
  const fresh = await createFreshDatabase(adminUrl, `live_runs_bench_${label}`);
  const database = openDatabase({ kind: "postgres", url: fresh.url, poolMax: 1 });
  try {
    await applyMigrations(database);
  } finally {
    await database.close();
  }
  const sql = postgres(fresh.url, { max: 2, onnotice: () => {} });
  return {
    url: fresh.url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      await fresh.drop();
    },
  };
}

/** An API client of the server: its owner id and bearer token. */
export interface BenchOwner {
  ownerId: string;
  token: string;
}

/** API tokens for `count` owners (`<prefix>-1`, …), created the way `npm run tokens` does. */
export async function createOwners(url: string, prefix: string, count = 1): Promise<BenchOwner[]> {
  const database = openDatabase({ kind: "postgres", url, poolMax: 1 });
  try {
    const owners: BenchOwner[] = [];
    for (let i = 1; i <= count; i += 1) {
      const ownerId = `${prefix}-${i}`;
      const { secret } = await createApiToken(database.db, ownerId, "bench");
      owners.push({ ownerId, token: secret });
    }
    return owners;
  } finally {
    await database.close();
  }
}

/** Process ids of the Postgres backends serving this database (to account their CPU). */
export async function backendPids(sql: postgres.Sql): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database()`;
  return rows.map((row) => row.pid);
}

/** Events appended and published so far (every append writes exactly one outbox row). */
export async function pipelineCounts(sql: postgres.Sql): Promise<{ appended: number; published: number }> {
  const [row] = await sql<{ appended: number; unpublished: number }[]>`
    select (select coalesce(sum(last_seq), 0)::int from runs) as appended,
           (select count(*)::int from run_outbox where published_at is null) as unpublished`;
  return { appended: row!.appended, published: row!.appended - row!.unpublished };
}

/**
 * The pids of the Postgres backends of `db`'s pool of `poolSize`, every connection opened first
 * (postgres.js opens them on demand), so that all of them are counted.
 */
export async function poolBackendPids(db: Db, poolSize: number): Promise<number[]> {
  await Promise.all(Array.from({ length: poolSize }, () => db.execute(sql`select pg_sleep(0.05)`)));
  const rows = await queryRows<{ pid: number }>(
    db,
    sql`select pid from pg_stat_activity where datname = current_database()`,
  );
  return rows.map((row) => row.pid);
}
