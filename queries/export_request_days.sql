-- The lake's request_days: per reporting unit and month (of the requested-on
-- date), how many resolved requests took each whole number of days to
-- resolve: the histogram rollup_metric_values.sql reads its medians from.
-- Summed over any set of units, the median is read off the cumulative counts
-- (docs/lake.md shows how).
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT strftime(requested_on, '%Y-%m') AS period, unit_code,
       date_diff('day', requested_on, resolved_on) AS days, count(*) AS n
FROM requests_effective
WHERE state = '已办结' AND resolved_on IS NOT NULL
GROUP BY ALL;
