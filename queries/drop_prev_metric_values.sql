-- The previous run's figures, once metric_changes has them.
DROP TABLE prev_metric_values;
