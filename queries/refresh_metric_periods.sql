-- The months that metric_values covers: every month with an accepted form or
-- with a counted request. A request of a month before the first month in
-- which its unit is valid counts in that first month (request_before_unit,
-- docs/form.md). (A counted meeting is in its accepted form's month.)
-- The requests' months come from request_months (refresh_request_months.sql):
-- those of the units valid from the start as they are, a unit founded
-- later's shifted to its first month.
CREATE OR REPLACE TABLE metric_periods AS
SELECT period FROM submission_status WHERE status = 'accepted'
UNION
SELECT greatest(printf('%04d-%02d', m.ym // 100, m.ym % 100), coalesce(u.first_from, '0000-00'))
FROM request_months m
LEFT JOIN unit_first u ON u.code = m.unit_code AND u.first_from > '0000-00';

-- "Today" for metric_values_current (docs/metrics.md, "hierarchy through
-- time"): the month that run summarizes by default, the newest month with
-- an accepted form not after the run's own month (Asia/Shanghai); the run's
-- month when there is none. Temporary.
CREATE OR REPLACE TEMP TABLE hierarchy_today AS
WITH run_month AS (
    SELECT strftime(timezone('Asia/Shanghai', started_at), '%Y-%m') AS period
    FROM runs WHERE run_id = getvariable('run_id')
)
SELECT coalesce(
    (SELECT max(period) FROM submission_status
     WHERE status = 'accepted' AND period <= (SELECT period FROM run_month)),
    (SELECT period FROM run_month)) AS period;

-- The registry rows valid in each month of metric_periods: the units of
-- that month's hierarchy, with the name and level they had. Temporary.
CREATE OR REPLACE TEMP TABLE unit_periods AS
SELECT p.period, u.code, u.name, u.level
FROM metric_periods p
JOIN unit_rows u
  ON p.period BETWEEN coalesce(u.valid_from, '0000-00') AND coalesce(u.valid_to, '9999-99');
