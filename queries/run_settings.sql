-- The settings a run computes with, kept with the run: a later run names a
-- changed setting as the cause of the figures it changed (metric_changes),
-- and recomputes every flag when min_sample or flags_basis changed.
UPDATE runs SET deadline_day = $2, min_sample = $3, flags_basis = $4 WHERE run_id = $1;
