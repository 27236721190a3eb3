-- The previous run's figures that this run recomputes, kept aside for
-- refresh_metric_changes.sql (drop_prev_metric_values.sql drops them), and
-- taken out of metric_values_t for rollup_metric_values.sql to write anew.
-- For a full refresh (refresh_scope.sql) all of them: the table is renamed
-- rather than copied, and an empty one with its columns takes its place.
-- All in the run's transaction: a failed run leaves metric_values_t as it
-- was.
ALTER TABLE metric_values_t RENAME TO prev_metric_values;
CREATE TABLE metric_values_t AS FROM prev_metric_values LIMIT 0;
