-- Every committed run: what it saw and read, and how many figures it
-- changed (metric_changes), of which figures that existed before.
SELECT r.run_id, r.started_at, r.files_seen, r.forms_read, r.status,
       count(c.run_id) AS figures_changed,
       count(c.run_id) FILTER (WHERE c.old_numerator IS NOT NULL OR c.old_denominator IS NOT NULL) AS existing_figures_changed
FROM runs r
LEFT JOIN metric_changes c USING (run_id)
GROUP BY r.run_id, r.started_at, r.files_seen, r.forms_read, r.status
ORDER BY r.run_id;
