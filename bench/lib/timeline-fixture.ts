import type postgres from "postgres";

/** Milliseconds between two events of a fixture run on average: 100,000 events span ~7 minutes. */
const SPACING_MS = 4;
/** A timeline run's events besides OpenApp's traces: the canonical 13. */
const FIXED_EVENTS = 13;
/** Seqs 1–7 open the run (RunStarted, EnsureDevice with its check, Warmup, OpenApp starts); its traces follow. */
const OPENING_EVENTS = 7;
/** Who holds the live run's lease: no server instance, so none claims or resumes it while the bench writes it. */
const WRITER = "bench-timeline-writer";

/**
 * Inserts the events of seqs `from`…`to` of a run of `total` events, with their outbox rows
 * (published unless `unpublished`: then the server's outbox poller publishes them, as it does an
 * append's). seq → event: 1 RunStarted; 2–4 EnsureDevice with its check; 5–6 Warmup; 7 OpenApp
 * starts; 8 … total−6 its traces (four log-like kinds, small data); total−5 OpenApp finishes; then
 * Ping, Teardown and RunFinished at `total`. Triggers are off: the append guard checks one append
 * at a time.
 */
async function insertEvents(
  tx: postgres.TransactionSql,
  runId: string,
  range: { from: number; to: number; total: number },
  ts: { t0: number; spacingMs: number },
  unpublished: boolean,
): Promise<void> {
  const { from, to, total } = range;
  await tx`set local session_replication_role = replica`;
  await tx`
    insert into run_events (run_id, seq, ts, type, source, name, fn, status, data)
    select ${runId}, g, ${ts.t0}::bigint + g * ${ts.spacingMs} + (g * 7919) % greatest(${ts.spacingMs}, 1),
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
    from generate_series(${from}::int, ${to}::int) as g, (select ${total}::int as n) as size`;
  await tx`
    insert into run_outbox (run_id, seq, published_at)
    select ${runId}, g, case when ${unpublished} then null else now() end
    from generate_series(${from}::int, ${to}::int) as g`;
}

/**
 * Writes a finished canonical-plan run of `events` events (at least 13) straight into the tables,
 * shaped like a chatty real run: OpenApp emits `events − 13` DebugTrace events, timestamps spread
 * unevenly over minutes.
 */
export async function insertTimelineRun(sql: postgres.Sql, ownerId: string, events: number): Promise<string> {
  if (events < FIXED_EVENTS) throw new Error("a timeline fixture run has at least the canonical 13 events");
  const t0 = Date.now() - events * SPACING_MS - 60_000;
  return sql.begin(async (tx) => {
    const [run] = await tx<{ id: string }[]>`
      insert into runs (owner_id, status, plan, app_path, step_delay_ms, last_seq, created_at, started_at, finished_at)
      values (${ownerId}, 'succeeded', 'canonical', '/bench/timeline', 0, ${events},
              to_timestamp(${t0} / 1000.0), to_timestamp(${t0} / 1000.0),
              to_timestamp((${t0}::bigint + ${events}::bigint * ${SPACING_MS}) / 1000.0))
      returning id`;
    await insertEvents(tx, run!.id, { from: 1, to: events, total: events }, { t0, spacingMs: SPACING_MS }, false);
    return run!.id;
  });
}

/** A live run the bench writes itself, `traces` OpenApp traces long: its last seq is `traces + 13`. */
export interface LiveRun {
  runId: string;
  lastSeq: number;
  /**
   * Appends the traces at `eventsPerSecond` (one transaction per 20 ms tick holding the events due
   * by then), then the closing events, and marks the run succeeded. Resolves with the rate achieved.
   */
  stream(eventsPerSecond: number): Promise<{ ms: number; rate: number }>;
}

const TICK_MS = 20;

/**
 * A running canonical-plan run with its first 7 events, its lease held by no server (so no
 * executor touches it), whose OpenApp step the bench then streams. Its events reach pages the
 * real way: outbox rows the server's poller publishes, NOTIFY, fan-out, the WebSocket
 * subscription. Only the append is the bench's: one transaction per batch, where the executor
 * appends one event per transaction (which caps a single run's rate well below 1,000/s here).
 */
export async function startLiveRun(sql: postgres.Sql, ownerId: string, traces: number): Promise<LiveRun> {
  const total = traces + FIXED_EVENTS;
  const runId = await sql.begin(async (tx) => {
    const [run] = await tx<{ id: string }[]>`
      insert into runs (owner_id, status, plan, app_path, step_delay_ms, last_seq, started_at, lease_owner, lease_expires_at)
      values (${ownerId}, 'running', 'canonical', '/bench/timeline/live', 0, ${OPENING_EVENTS}, now(),
              ${WRITER}, now() + interval '1 hour')
      returning id`;
    await insertEvents(tx, run!.id, { from: 1, to: OPENING_EVENTS, total }, { t0: Date.now(), spacingMs: 0 }, true);
    return run!.id;
  });
  const append = (from: number, to: number, finish: boolean) =>
    sql.begin(async (tx) => {
      await insertEvents(tx, runId, { from, to, total }, { t0: Date.now(), spacingMs: 0 }, true);
      await (finish
        ? tx`update runs set last_seq = ${to}, status = 'succeeded', finished_at = now(), lease_owner = null,
               lease_expires_at = null where id = ${runId}`
        : tx`update runs set last_seq = ${to} where id = ${runId}`);
    });
  return {
    runId,
    lastSeq: total,
    async stream(eventsPerSecond) {
      const started = performance.now();
      let written = 0;
      while (written < traces) {
        // Paced against the start: a slow batch is caught up on by the next, not carried over.
        const due = Math.min(traces, Math.floor(((performance.now() - started) * eventsPerSecond) / 1000) + 1);
        if (due > written) {
          await append(OPENING_EVENTS + written + 1, OPENING_EVENTS + due, false);
          written = due;
        }
        await new Promise((resolve) => setTimeout(resolve, TICK_MS));
      }
      const ms = performance.now() - started;
      await append(OPENING_EVENTS + traces + 1, total, true);
      return { ms, rate: (traces * 1000) / ms };
    },
  };
}
