-- The database, not only the code, keeps a run's event log append-only, contiguous and closed
-- after RunFinished: every insert must carry the seq the append transaction just reserved in
-- runs.last_seq, and nothing may follow a RunFinished.
CREATE FUNCTION run_events_append_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  reserved integer;
BEGIN
  SELECT last_seq INTO reserved FROM runs WHERE id = NEW.run_id FOR UPDATE;
  IF reserved IS NULL THEN
    RAISE EXCEPTION 'run % does not exist', NEW.run_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM run_events WHERE run_id = NEW.run_id AND type = 'RunFinished') THEN
    RAISE EXCEPTION 'run % is finished: no event may follow RunFinished', NEW.run_id
      USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.seq <> reserved THEN
    RAISE EXCEPTION 'run % event seq % is not the reserved seq %', NEW.run_id, NEW.seq, reserved
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER run_events_append_guard BEFORE INSERT ON run_events
  FOR EACH ROW EXECUTE FUNCTION run_events_append_guard();
--> statement-breakpoint
CREATE FUNCTION run_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'run events are immutable' USING ERRCODE = 'check_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER run_events_immutable BEFORE UPDATE ON run_events
  FOR EACH ROW EXECUTE FUNCTION run_events_immutable();
--> statement-breakpoint
ALTER TABLE runs ADD CONSTRAINT runs_status_check
  CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'));
--> statement-breakpoint
ALTER TABLE runs ADD CONSTRAINT runs_finished_at_check
  CHECK ((status IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL));
--> statement-breakpoint
ALTER TABLE run_events ADD CONSTRAINT run_events_seq_positive CHECK (seq >= 1);
