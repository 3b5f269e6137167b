import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/client";
import { queryRows } from "../../src/db/query";

/**
 * Stored events whose JSON is easy to get wrong: every optional field, quotes, backslashes and
 * control characters, non-ASCII text, jsonb data with integer-like keys (which JavaScript orders
 * first), numbers jsonb prints differently from JSON.stringify, nested nulls, a jsonb `null`, a
 * type clients do not know, and extreme but exact timestamps.
 */
const ODD_EVENTS: OddEvent[] = [
  { type: "NodeStarted", source: "worker", name: 'quote " backslash \\ slash /', attempt: 2 },
  { type: "DebugTrace", source: "worker", fn: "ctl \b\f\n\r\t \u0001\u001f\u007f end", data: {} },
  { type: "DebugTrace", source: "outbox", fn: "é ü ß 漢字 😀 \u2028\u2029", data: "a string" },
  {
    type: "NodeFinished",
    source: "worker",
    name: "Ping",
    data: { b: 1, a: [1, 2.5, { z: null }], 10: "ten", 2: true, nested: { k: 'v\n"q"' }, small: 1e-7, big: 1e21 },
  },
  { type: "NodeFinished", source: "worker", name: "jsonb null", data: null },
  { type: "RunResumed", source: "worker", reason: "executor_lost", attempt: 3, ts: 9007199254740991 },
  { type: "DebugTrace", source: "api", fn: "zero", ts: 0, data: { "": "", "2.50": 2.5, "-1": -1 } },
  { type: "DebugTrace", source: "worker", fn: "negative", ts: -5, data: [1, "two", { three: 3 }] },
  { type: "SomethingNew", source: "worker", name: "", fn: "", reason: "" },
];

const RUN_FINISHED: OddEvent = {
  type: "RunFinished",
  source: "worker",
  status: "failed",
  reason: 'error: "boom" \\ \n <b>',
};

interface OddEvent {
  type: string;
  source: string;
  name?: string;
  fn?: string;
  status?: string;
  reason?: string;
  /** null: a jsonb `null`, which is no data. */
  data?: unknown;
  attempt?: number;
  ts?: number;
}

/**
 * Appends `padding` plain DebugTraces (their fn `paddingBytes` longer than `pad.<seq>`), the odd events, and RunFinished when `finish`, to a run after
 * its last seq, straight into the table with triggers off (the append guard checks one append at a
 * time); the run's last_seq follows. Returns the run's new last seq.
 */
export async function insertOddEvents(
  db: Db,
  runId: string,
  options: { padding?: number; paddingBytes?: number; finish?: boolean } = {},
) {
  const padding = options.padding ?? 0;
  const filler = "x".repeat(options.paddingBytes ?? 0);
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    const [run] = await queryRows<{ last_seq: number }>(tx, sql`select last_seq from runs where id = ${runId}`);
    const first = run!.last_seq + 1;
    await tx.execute(sql`
      insert into run_events (run_id, seq, ts, type, source, fn)
      select ${runId}, g, 1790000000000 + g, 'DebugTrace', 'worker', 'pad.' || g || ${filler}
      from generate_series(${first}::int, ${first + padding - 1}::int) as g`);
    let seq = first + padding - 1;
    for (const event of options.finish ? [...ODD_EVENTS, RUN_FINISHED] : ODD_EVENTS) {
      seq += 1;
      const data =
        event.data === null
          ? sql`'null'::jsonb`
          : event.data === undefined
            ? sql`null`
            : sql`${JSON.stringify(event.data)}::jsonb`;
      await tx.execute(sql`
        insert into run_events (run_id, seq, ts, type, source, name, fn, status, reason, data, attempt)
        values (${runId}, ${seq}, ${event.ts ?? 1_790_000_000_000 + seq}, ${event.type}, ${event.source},
          ${event.name ?? null}, ${event.fn ?? null}, ${event.status ?? null}, ${event.reason ?? null}, ${data},
          ${event.attempt ?? null})`);
    }
    await tx.execute(sql`update runs set last_seq = ${seq} where id = ${runId}`);
    return seq;
  });
}
