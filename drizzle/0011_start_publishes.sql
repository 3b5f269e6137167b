-- A start publishes its own RunStarted, as appends publish theirs (p_events_channel: the run events
-- channel; null leaves it to the outbox poller, the seed design). It was left to the poller, woken by
-- the start, and the executor, woken by the same commit, could append and publish the run's first
-- step before the poller committed: run.activity then told NodeStarted before RunStarted. It also
-- saves the poller's statement per run. The rest is start_run as in 0009, whose 15-argument form
-- stays for instances of the previous release during a rolling deploy (their RunStarted is still
-- published by the poller); a later release can drop it.
CREATE FUNCTION start_run(
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
    INSERT INTO run_outbox (run_id, seq) VALUES (started_id, 1);
  ELSE
    -- Published here, as appends publish theirs: announced at this commit, before the executor
    -- (notified by the same commit) can append anything after it.
    INSERT INTO run_outbox (run_id, seq, published_at) VALUES (started_id, 1, now());
    -- The event's JSON as publication-sql.ts's eventJson writes it (json_strip_nulls makes it compact).
    PERFORM pg_notify(p_events_channel, '[' || json_strip_nulls(json_build_object(
      'runId', started_id, 'seq', 1, 'ts', p_ts, 'type', 'RunStarted', 'v', 1, 'source', 'api'))::text || ']');
  END IF;
  PERFORM pg_notify(p_queued_channel, started_id::text);
  outcome := 'created';
END
$$;
