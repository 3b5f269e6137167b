import type postgres from "postgres";

/**
 * Writes a finished run of `events` events straight into the tables (the backfill fixture): the
 * canonical event shapes, repeated, then RunFinished. The append-guard trigger checks one append
 * at a time, so this bulk insert runs with triggers off (session_replication_role = replica).
 */
export async function insertLongRun(sql: postgres.Sql, ownerId: string, events: number): Promise<string> {
  return sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    const [run] = await tx<{ id: string }[]>`
      insert into runs (owner_id, status, app_path, step_delay_ms, last_seq, started_at, finished_at)
      values (${ownerId}, 'succeeded', '/bench/backfill', 0, ${events}, now(), now()) returning id`;
    const runId = run!.id;
    const t0 = Date.now() - events;
    await tx`
      insert into run_events (run_id, seq, ts, type, source, name, fn, status)
      select ${runId}, g, ${t0}::bigint + g,
        case when g = 1 then 'RunStarted' when g = ${events} then 'RunFinished'
             when g % 3 = 2 then 'NodeStarted' when g % 3 = 0 then 'DebugTrace' else 'NodeFinished' end,
        case when g = 1 then 'api' else 'worker' end,
        case when g in (1, ${events}) or g % 3 = 0 then null else 'Node' || (g / 3) end,
        case when g % 3 = 0 and g <> ${events} then 'ensureDevice.check' end,
        case when g = ${events} then 'succeeded' end
      from generate_series(1, ${events}) as g`;
    await tx`
      insert into run_outbox (run_id, seq, published_at)
      select ${runId}, g, now() from generate_series(1, ${events}) as g`;
    return runId;
  });
}
