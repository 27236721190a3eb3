-- The settings a run computes with, kept with the run: a later run names a
-- changed setting as the cause of the figures it changed (metric_changes),
-- and recomputes every flag when min_sample or flags_basis changed.
-- metric_digests: per metric, a digest of its definition's figures (kind,
-- source, numerator, denominator) as a JSON object, so that a later run
-- names `definitions` as the cause of a changed metric's figures.
UPDATE runs SET deadline_day = $2, min_sample = $3, flags_basis = $4, metric_digests = $5 WHERE run_id = $1;
