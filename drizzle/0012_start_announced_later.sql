-- A start no longer NOTIFYs: Postgres serialises the commits of notifying transactions (a lock
-- held through each one's WAL flush), and with a start's commit among them the starts queued behind
-- each other and the appends, holding pooled connections (9 of 10 waiting at 128 runs in flight).
-- Instances of this release pass both channels null: the run's first append announces its
-- RunStarted ahead of its own event, so run.activity still tells a run's events in seq order, and
-- the executors are woken after the commit (queued-run-wakes.ts). The previous release passes both
-- channels and is served as by 0011 (while both run, a run it executes that this release started
-- has its RunStarted announced by the outbox poller, possibly after its first events). The rest is
-- start_run as in 0011.
CREATE OR REPLACE FUNCTION start_run(
  p_owner_id text, p_created_by_address text, p_request_key text, p_request_fingerprint text, p_plan text,
  p_input jsonb, p_app_path text, p_step_delay_ms integer, p_ts bigint, p_queued_channel text,
  p_events_channel text,
  p_owner_active integer, p_owner_per_minute integer, p_address_active integer, p_address_per_minute integer,
  p_queued integer,
  OUT outcome text, OUT started_id uuid, OUT created_ms float8, OUT retry_after_ms integer
) LANGUAGE plpgsql AS $$
DECLARE
  counted integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext(p_owner_id));
  IF p_request_key IS NOT NULL
     AND EXISTS (SELECT 1 FROM runs WHERE owner_id = p_owner_id AND request_key = p_request_key) THEN
    outcome := 'repeat';
    RETURN;
  END IF;
  IF p_owner_active IS NOT NULL THEN
    SELECT count(*) INTO counted FROM runs WHERE owner_id = p_owner_id AND status IN ('queued', 'running');
    IF counted >= p_owner_active THEN
      outcome := 'owner_active';
      RETURN;
    END IF;
  END IF;
  IF p_owner_per_minute IS NOT NULL THEN
    SELECT count(*), greatest(ceil(extract(epoch FROM min(created_at) + interval '1 minute' - now()) * 1000), 0)
      INTO counted, retry_after_ms
      FROM (SELECT created_at FROM runs WHERE owner_id = p_owner_id AND created_at > now() - interval '1 minute'
            ORDER BY created_at LIMIT p_owner_per_minute) recent;
    IF counted >= p_owner_per_minute THEN
      outcome := 'owner_rate';
      RETURN;
    END IF;
  END IF;
  IF p_created_by_address IS NOT NULL THEN
    -- The two-key form: addresses have a keyspace of their own (1001); owners use the one-key form.
    PERFORM pg_advisory_xact_lock(1001, hashtext(p_created_by_address));
    IF p_address_active IS NOT NULL THEN
      SELECT count(*) INTO counted FROM runs
        WHERE created_by_address = p_created_by_address AND status IN ('queued', 'running');
      IF counted >= p_address_active THEN
        outcome := 'address_active';
        RETURN;
      END IF;
    END IF;
    IF p_address_per_minute IS NOT NULL THEN
      SELECT count(*), greatest(ceil(extract(epoch FROM min(created_at) + interval '1 minute' - now()) * 1000), 0)
        INTO counted, retry_after_ms
        FROM (SELECT created_at FROM runs
              WHERE created_by_address = p_created_by_address AND created_at > now() - interval '1 minute'
              ORDER BY created_at LIMIT p_address_per_minute) recent;
      IF counted >= p_address_per_minute THEN
        outcome := 'address_rate';
        RETURN;
      END IF;
    END IF;
  END IF;
  IF p_queued IS NOT NULL THEN
    SELECT count(*) INTO counted FROM (SELECT 1 FROM runs WHERE status = 'queued' LIMIT p_queued) q;
    IF counted >= p_queued THEN
      outcome := 'queued';
      RETURN;
    END IF;
  END IF;
  retry_after_ms := NULL;
  INSERT INTO runs (owner_id, created_by_address, request_key, request_fingerprint, plan, input, app_path,
                    step_delay_ms, last_seq)
    VALUES (p_owner_id, p_created_by_address, p_request_key, p_request_fingerprint, p_plan, p_input, p_app_path,
            p_step_delay_ms, 1)
    ON CONFLICT (owner_id, request_key) WHERE request_key IS NOT NULL DO NOTHING
    RETURNING id, (extract(epoch FROM created_at) * 1000)::float8 INTO started_id, created_ms;
  IF started_id IS NULL THEN
    outcome := 'repeat';
    RETURN;
  END IF;
  INSERT INTO run_events (run_id, seq, ts, type, source) VALUES (started_id, 1, p_ts, 'RunStarted', 'api');
  IF p_events_channel IS NULL THEN
    -- Announced by the run's first append, just before its own event (publication-sql.ts), or by
    -- the outbox poller if that comes first.
    INSERT INTO run_outbox (run_id, seq) VALUES (started_id, 1);
  ELSE
    -- As in 0011, for instances of the previous release during a rolling deploy.
    INSERT INTO run_outbox (run_id, seq, published_at) VALUES (started_id, 1, now());
    PERFORM pg_notify(p_events_channel, '[' || json_strip_nulls(json_build_object(
      'runId', started_id, 'seq', 1, 'ts', p_ts, 'type', 'RunStarted', 'v', 1, 'source', 'api'))::text || ']');
  END IF;
  IF p_queued_channel IS NOT NULL THEN
    PERFORM pg_notify(p_queued_channel, started_id::text);
  END IF;
  outcome := 'created';
END
$$;
