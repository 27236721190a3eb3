INSERT INTO runs (run_id, started_at, inbox)
SELECT coalesce(max(run_id), 0) + 1, $1, $2 FROM runs
RETURNING run_id;
