// Statements are prepared, and Postgres keeps a prepared statement's generic plan for the
// connection's life: a plan made while the tables are small is the plan used once they are large.
// The hot statements that touch many rows of a growing table must look them up by key whatever
// the table's size when the plan was made. Made on an empty database, the group commit's batch
// joined its (estimated 100) rows to a sequential scan of runs, and the outbox poller joined its
// claimed rows to a sequential scan of run_events: every batch and every publish read the whole
// table, and got slower as runs accumulated.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../src/db/client";
import { applyMigrations } from "../src/db/migrate";
import { queryRows } from "../src/db/query";
import { OutboxPoller } from "../src/server/delivery/outbox-poller";
import { appendBatch } from "../src/server/events/append-batch";
import { silentLogger } from "../src/server/log";
import { createFreshDatabase, type FreshDatabase } from "./support/fresh-database";

const adminUrl = process.env.TEST_DATABASE_URL;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

describe.runIf(adminUrl)("plans of prepared statements made on an empty database", () => {
  let fresh: FreshDatabase;
  let database: Database;
  beforeAll(async () => {
    fresh = await createFreshDatabase(adminUrl!, "live_runs_test_plans");
    // One connection, so the statements it prepared are the ones explained.
    database = openDatabase({ kind: "postgres", url: fresh.url, poolMax: 1 });
    await applyMigrations(database);
  });
  afterAll(async () => {
    await database?.close();
    await fresh?.drop();
  });

  /** The nodes of the generic plan of the statement this connection prepared whose text contains `marker`. */
  async function genericPlan(marker: string): Promise<PlanNode[]> {
    const [statement] = await queryRows<{ name: string; parameters: number }>(
      database.db,
      sql`select name, cardinality(parameter_types)::int as parameters from pg_prepared_statements
          where statement like ${`%${marker}%`} and statement not like '%pg_prepared_statements%'`,
    );
    expect(statement, `no prepared statement contains ${marker}`).toBeDefined();
    // Nulls for every parameter: EXPLAIN plans the statement without running it.
    const nulls = Array.from({ length: statement!.parameters }, () => "null").join(", ");
    await queryRows(database.db, sql`set plan_cache_mode = force_generic_plan`);
    try {
      const [explained] = await queryRows<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
        database.db,
        // Quoted: postgres.js names statements with a random base-36 prefix, which may start with a digit.
        sql.raw(`explain (format json) execute "${statement!.name.replaceAll('"', '""')}"(${nulls})`),
      );
      return nodesOf(explained!["QUERY PLAN"][0].Plan);
    } finally {
      await queryRows(database.db, sql`reset plan_cache_mode`);
    }
  }

  const scansOf = (nodes: PlanNode[], table: string) =>
    nodes.filter((node) => node["Relation Name"] === table).map((node) => node["Node Type"]);

  it("the group commit's batch reads runs by its primary key", async () => {
    // A batch for a run that does not exist: refused, but prepared on this connection.
    const append = {
      runId: randomUUID(),
      event: { type: "NodeStarted", name: "Step", source: "worker" },
      guard: { status: "running" },
      ts: Date.now(),
    } as const;
    expect(await appendBatch(database.db, [append])).toEqual([null]);
    const plan = await genericPlan("append_batch_input");
    expect(scansOf(plan, "runs")).not.toContain("Seq Scan");
    expect(plan.map((node) => node["Index Name"])).toContain("runs_pkey");
  });

  it("the outbox poller reads each claimed event by its key", async () => {
    const poller = new OutboxPoller({ db: database.db, pollMs: 60_000, batchSize: 100, log: silentLogger });
    expect(await poller.publishBatch()).toBe(0);
    const plan = await genericPlan("update run_outbox set published_at");
    expect(scansOf(plan, "run_events")).toEqual(["Index Scan"]);
  });
});
