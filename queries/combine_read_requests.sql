-- One lake's requests ($1: the lake's name, unused: requests keep no path;
-- $2: its files), straight into requests_effective, without a staging
-- table: they are the largest table by far, and the combined warehouse
-- keeps them as they are, for the requests view, the months they count in
-- (refresh_metric_periods.sql) and the days to resolve that
-- rollup_metric_values.sql reads the medians from.
INSERT INTO requests_effective BY NAME
SELECT unit_code, form_period, request_id, requested_on, dispatched_on, accepted_on,
       resolved_on, state, dispute, mediation, rating, category
FROM read_parquet($2::VARCHAR[], hive_partitioning = true, hive_types = {'period': VARCHAR})
WHERE $1::VARCHAR IS NOT NULL;
