-- The rows of a group commit's batch (appendBatch's one JSON parameter), declared to the planner as
-- ROWS 1. json_to_recordset is estimated at 100 rows, and against 100 rows the planner joined the
-- batch to runs by a hash join over a sequential scan of runs (twice per batch: to lock the rows,
-- then to update them), which costs as much as the runs table is large. The statement is prepared,
-- so that plan was made on the small table of a new database and kept for the connection's life:
-- each batch got slower as runs accumulated. Estimated at one row, the batch looks each run up by
-- its primary key (a nested loop over runs_pkey), the right plan for any table past a few pages.
-- STRICT keeps the function from being inlined, which would bring back json_to_recordset's estimate.
CREATE FUNCTION append_batch_input(p_batch json)
RETURNS TABLE (
  ix int, run_id uuid, ts bigint, type text, source text, name text, fn text, status text, reason text,
  data jsonb, attempt int, guard_status text, lease_owner text, guard_attempt int, after_seq int,
  finish_status text, output jsonb
) LANGUAGE sql STRICT STABLE ROWS 1 AS $$
  SELECT * FROM json_to_recordset(p_batch) AS i(
    ix int, run_id uuid, ts bigint, type text, source text, name text, fn text, status text, reason text,
    data jsonb, attempt int, guard_status text, lease_owner text, guard_attempt int, after_seq int,
    finish_status text, output jsonb)
$$;
