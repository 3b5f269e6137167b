import type postgres from "postgres";

/** Milliseconds between two events of a fixture run on average: 100,000 events span ~7 minutes. */
const SPACING_MS = 4;

/**
 * Writes a finished canonical-plan run of `events` events (at least 13) straight into the tables,
 * shaped like a chatty real run: the canonical steps, with OpenApp emitting `events − 13` extra
 * DebugTrace events (four log-like kinds, small data), timestamps spread unevenly over minutes.
 * The append-guard trigger checks one append at a time, so the bulk insert runs with triggers off.
 */
export async function insertTimelineRun(sql: postgres.Sql, ownerId: string, events: number): Promise<string> {
  if (events < 13) throw new Error("a timeline fixture run has at least the canonical 13 events");
  const t0 = Date.now() - events * SPACING_MS - 60_000;
  return sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    const [run] = await tx<{ id: string }[]>`
      insert into runs (owner_id, status, plan, app_path, step_delay_ms, last_seq, created_at, started_at, finished_at)
      values (${ownerId}, 'succeeded', 'canonical', '/bench/timeline', 0, ${events},
              to_timestamp(${t0} / 1000.0), to_timestamp(${t0} / 1000.0),
              to_timestamp((${t0}::bigint + ${events}::bigint * ${SPACING_MS}) / 1000.0))
      returning id`;
    const runId = run!.id;
    // seq → event: 1 RunStarted; 2–4 EnsureDevice with its check; 5–6 Warmup; 7 OpenApp starts;
    // 8 … n−6 its traces; n−5 OpenApp finishes; then Ping, Teardown and RunFinished at n.
    await tx`
      insert into run_events (run_id, seq, ts, type, source, name, fn, status, data)
      select ${runId}, g, ${t0}::bigint + g * ${SPACING_MS} + (g * 7919) % ${SPACING_MS},
        case when g = 1 then 'RunStarted' when g = n then 'RunFinished'
             when g in (2, 5, 7, n - 4, n - 2) then 'NodeStarted'
             when g in (4, 6, n - 5, n - 3, n - 1) then 'NodeFinished'
             else 'DebugTrace' end,
        case when g = 1 then 'api' else 'worker' end,
        case when g in (2, 4) then 'EnsureDevice' when g in (5, 6) then 'Warmup'
             when g in (7, n - 5) then 'OpenApp' when g in (n - 4, n - 3) then 'Ping'
             when g in (n - 2, n - 1) then 'Teardown' end,
        case when g = 3 then 'ensureDevice.check'
             when g between 8 and n - 6 then (array['page.load', 'dom.snapshot', 'log.info', 'network.request'])[g % 4 + 1] end,
        case when g = n then 'succeeded' end,
        case when g between 8 and n - 6
             then jsonb_build_object('i', g - 7, 'ms', (g * 37) % 900, 'ok', g % 50 <> 0) end
      from generate_series(1, ${events}) as g, (select ${events}::int as n) as size`;
    await tx`
      insert into run_outbox (run_id, seq, published_at)
      select ${runId}, g, now() from generate_series(1, ${events}) as g`;
    return runId;
  });
}
