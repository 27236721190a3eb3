-- The run summary's restatements: figures of months before the newest month
-- with an accepted form that run $1 changed and that existed before.
SELECT count(*)
FROM metric_changes_t
WHERE run_id = $1
  AND period < (SELECT max(period) FROM submission_status WHERE status = 'accepted')
  AND (old_numerator IS NOT NULL OR old_denominator IS NOT NULL);
