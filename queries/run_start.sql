INSERT INTO runs (run_id, started_at, inbox, status)
SELECT coalesce(max(run_id), 0) + 1, $1, $2, 'running' FROM runs
RETURNING run_id;
