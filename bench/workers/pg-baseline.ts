// The Postgres ceilings the pipeline is compared with, measured with the same driver (postgres.js)
// in a process of its own: round trip of `select 1`, single-row insert transactions per second
// into a plain table, and a raw streaming SELECT of a run's events.
import postgres from "postgres";
import type { PgBaselineConfig, PgBaselineResult } from "../lib/protocol";
import { preciseNow, sleep } from "../lib/stats";
import { fromParent, runWorker, tellParent, workerConfig } from "../lib/worker";

runWorker(async (): Promise<PgBaselineResult> => {
  const config = workerConfig<PgBaselineConfig>();
  const sql = postgres(config.url, { max: config.mode === "insert" ? config.poolMax : 1, onnotice: () => {} });
  try {
    if (config.mode === "select1") return { mode: "select1", samples: await selectOne(sql, config.samples) };
    if (config.mode === "insert") return { mode: "insert", ...(await inserts(sql, config)) };
    return { mode: "stream", ...(await streamEvents(sql, config.runId)) };
  } finally {
    await sql.end({ timeout: 5 });
  }
});

async function selectOne(sql: postgres.Sql, count: number): Promise<number[]> {
  for (let i = 0; i < 200; i += 1) await sql`select 1`;
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const t0 = preciseNow();
    await sql`select 1`;
    samples.push(preciseNow() - t0);
  }
  return samples;
}

async function inserts(
  sql: postgres.Sql,
  config: Extract<PgBaselineConfig, { mode: "insert" }>,
): Promise<{ transactions: number; windowMs: number }> {
  await sql`create table if not exists bench_plain_inserts (
    id bigserial primary key, run_id uuid not null, seq integer not null, ts bigint not null, type text not null)`;
  const runId = crypto.randomUUID();
  await Promise.all(Array.from({ length: config.poolMax }, () => sql`select 1`));
  tellParent({ type: "ready" });
  const { startAt = Date.now() } = await fromParent("go");
  await sleep(Math.max(0, startAt - Date.now()));
  const windowStart = startAt + config.warmupMs;
  const windowEnd = windowStart + config.measureMs;
  let transactions = 0;
  let seq = 0;
  const lane = async () => {
    while (Date.now() < windowEnd) {
      seq += 1;
      await sql`insert into bench_plain_inserts (run_id, seq, ts, type) values (${runId}, ${seq}, ${Date.now()}, 'NodeStarted')`;
      const now = Date.now();
      if (now >= windowStart && now < windowEnd) transactions += 1;
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, lane));
  return { transactions, windowMs: config.measureMs };
}

async function streamEvents(sql: postgres.Sql, runId: string): Promise<{ rows: number; ms: number }> {
  await sql`select 1`;
  let rows = 0;
  const t0 = preciseNow();
  await sql`select * from run_events where run_id = ${runId} order by seq`.forEach(() => {
    rows += 1;
  });
  return { rows, ms: preciseNow() - t0 };
}
