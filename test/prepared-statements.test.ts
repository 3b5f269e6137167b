// Statements go to Postgres prepared (src/db/prepared-statements.ts): described once per
// connection, then one round trip each, in transactions too.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../src/db/client";
import { queryRows } from "../src/db/query";
import { createFreshDatabase, type FreshDatabase } from "./support/fresh-database";

const adminUrl = process.env.TEST_DATABASE_URL;

describe.runIf(adminUrl)("statements through Drizzle on Postgres", () => {
  let fresh: FreshDatabase;
  let database: Database;
  beforeAll(async () => {
    fresh = await createFreshDatabase(adminUrl!, "live_runs_test_prepared");
    // One connection, so what it has prepared is what the next statement sees.
    database = openDatabase({ kind: "postgres", url: fresh.url, poolMax: 1 });
  });
  afterAll(async () => {
    await database?.close();
    await fresh?.drop();
  });

  /** The statements the connection has prepared whose text contains `marker`, and how often each ran. */
  const prepared = (marker: string) =>
    queryRows<{ statement: string; calls: number }>(
      database.db,
      sql`select statement, (generic_plans + custom_plans)::int as calls from pg_prepared_statements
          where statement like ${`%${marker}%`} and statement not like '%pg_prepared_statements%'`,
    );

  it("are prepared once per connection and reused", async () => {
    for (let i = 0; i < 3; i++) {
      const [row] = await queryRows<{ n: number }>(database.db, sql`select ${i}::int + 1 as n /* outside */`);
      expect(row!.n).toBe(i + 1);
    }
    const statements = await prepared("outside");
    expect(statements).toHaveLength(1);
    expect(statements[0]!.calls).toBe(3);
  });

  it("are prepared inside transactions and savepoints as well", async () => {
    await database.db.transaction(async (tx) => {
      await queryRows(tx, sql`select ${1}::int as n /* in a transaction */`);
      await tx.transaction(async (inner) => {
        await queryRows(inner, sql`select ${2}::int as n /* in a savepoint */`);
      });
    });
    expect(await prepared("in a transaction")).toHaveLength(1);
    expect(await prepared("in a savepoint")).toHaveLength(1);
  });
});
