-- The lakes' facts, as each city decided them: what rollup_metric_values.sql
-- sums up the combined registry.
INSERT INTO metric_facts
SELECT period, unit_code, metric, numerator, denominator FROM lake_metric_facts;
