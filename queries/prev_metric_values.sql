-- The previous run's figures, kept aside under another name instead of
-- copied (rollup_metric_values.sql creates metric_values_t afresh), for
-- refresh_metric_changes.sql; drop_prev_metric_values.sql drops them. All in
-- the run's transaction: a failed run leaves metric_values_t as it was.
ALTER TABLE metric_values_t RENAME TO prev_metric_values;
