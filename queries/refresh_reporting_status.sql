-- One row per expected unit and month of metric_periods (the villages and
-- communities valid in that month, placed in that month's hierarchy):
-- whether it reported, on time or not, and why a form was rejected. On time (docs/form.md): the earliest accepted form of
-- the month (superseded ones included) was received by the end of day
-- getvariable('deadline_day') of the next month, Asia/Shanghai.
--
-- Only the statuses that may have changed are written again: a unit's
-- status in a month depends on its submissions of that month, the registry
-- and the deadline day. So every unit of a month new to metric_periods, or
-- of every month when the refresh is full (the registry, the deadline day
-- or the SQL changed: refresh_scope.sql) is in reporting_months; otherwise
-- only the (month, unit)s of a submission whose status or receipt time
-- changed (changed_submissions) are, in reporting_units. Writing every
-- status of the months recomputed (50,000 of them for a night's
-- corrections of two months) took 0.12 s of the night.
CREATE OR REPLACE TEMP TABLE reporting_months AS
SELECT period FROM refresh_periods
WHERE (SELECT all_figures FROM refresh_mode) OR period IN (SELECT period FROM fact_months);

CREATE OR REPLACE TEMP TABLE reporting_units AS
SELECT DISTINCT period, unit_code
FROM changed_submissions
WHERE unit_code IS NOT NULL AND period IN (SELECT period FROM metric_periods)
  AND period NOT IN (SELECT period FROM reporting_months);

-- Give it qualified columns: an unqualified one would be reporting_units'
-- own inside the EXISTS.
CREATE OR REPLACE TEMP MACRO in_reporting_scope(p, u) AS
    p IN (SELECT period FROM reporting_months)
    OR EXISTS (SELECT 1 FROM reporting_units r WHERE r.period = p AND r.unit_code = u);

CREATE OR REPLACE TEMP VIEW reporting_status_fresh AS
-- The expected units with their ancestors first (MATERIALIZED), then the
-- ancestors' names: joined in another order, the units of a month met the
-- ancestors of the same month by month alone (10,000 × 10,000 rows a month)
-- before the tree narrowed them, which DuckDB chose when it took the
-- temporary tables for empty.
--
-- The expected units in scope are picked before the tree is joined (two
-- disjoint semi joins, reporting_units lacking reporting_months' months):
-- the tree first and the scope's test after joined 480,000 rows for a
-- night's 120 units.
WITH expected_units AS (
    SELECT u.period, u.code, u.name, u.level
    FROM unit_periods u
    WHERE u.level IN ('village', 'community', 'park') AND u.period IN (SELECT period FROM reporting_months)
    UNION ALL
    SELECT u.period, u.code, u.name, u.level
    FROM unit_periods u
    SEMI JOIN reporting_units r ON r.period = u.period AND r.unit_code = u.code
    WHERE u.level IN ('village', 'community', 'park')
), below AS MATERIALIZED (
    SELECT u.period, u.code, u.name, u.level, t.ancestor_code
    FROM expected_units u
    JOIN unit_tree t ON t.unit_code = u.code AND u.period BETWEEN t.valid_from AND t.valid_to
), expected AS (
    SELECT b.period, b.code, b.name, b.level,
           max(a.code) FILTER (WHERE a.level = 'township') AS township_code,
           max(a.name) FILTER (WHERE a.level = 'township') AS township_name,
           max(a.code) FILTER (WHERE a.level = 'district') AS district_code,
           max(a.name) FILTER (WHERE a.level = 'district') AS district_name
    FROM below b
    LEFT JOIN unit_periods a ON a.code = b.ancestor_code AND a.period = b.period
    GROUP BY b.period, b.code, b.name, b.level
), subs AS (
    SELECT unit_code, period,
           any_value(path) FILTER (WHERE status = 'accepted') AS accepted_path,
           any_value(sha256) FILTER (WHERE status = 'accepted') AS accepted_sha,
           min(received_at) FILTER (WHERE status IN ('accepted', 'superseded')) AS first_accepted_at,
           arg_max(path, received_at) FILTER (WHERE status = 'rejected') AS rejected_path,
           arg_max(sha256, received_at) FILTER (WHERE status = 'rejected') AS rejected_sha,
           max(received_at) FILTER (WHERE status = 'rejected') AS rejected_at,
           count(*) FILTER (WHERE status <> 'ignored') AS files
    FROM submission_status
    WHERE unit_code IS NOT NULL AND in_reporting_scope(submission_status.period, submission_status.unit_code)
    GROUP BY unit_code, period
), joined AS (
    SELECT e.*, s.* EXCLUDE (period),
           timezone('Asia/Shanghai',
                    (strptime(e.period || '-01', '%Y-%m-%d') + INTERVAL 1 MONTH
                     + to_days(CAST(getvariable('deadline_day') AS INTEGER)))::TIMESTAMP) AS deadline
    FROM expected e
    LEFT JOIN subs s ON s.unit_code = e.code AND s.period = e.period
)
SELECT j.period,
       j.code AS unit_code, j.name AS unit_name, j.level,
       j.township_code, j.township_name, j.district_code, j.district_name,
       CASE WHEN j.accepted_path IS NOT NULL THEN 'accepted'
            WHEN j.rejected_path IS NOT NULL THEN 'rejected'
            ELSE 'missing' END AS status,
       coalesce(j.first_accepted_at, j.rejected_at) AS received_at,
       j.deadline,
       CASE WHEN j.first_accepted_at IS NOT NULL THEN j.first_accepted_at < j.deadline END AS on_time,
       coalesce(j.accepted_path, j.rejected_path) AS path,
       coalesce(j.files, 0) AS files,
       CASE WHEN j.accepted_path IS NULL AND j.rejected_path IS NOT NULL THEN (
           SELECT string_agg(i.message, '；' ORDER BY i.seq)
           FROM form_issues i
           WHERE i.sha256 = j.rejected_sha AND i.severity = 'file')
       END AS reason,
       fo.filled_by, fo.phone
FROM joined j
LEFT JOIN forms fo ON fo.sha256 = coalesce(j.accepted_sha, j.rejected_sha);

-- (A new warehouse has no table yet: it takes the view's columns.)
CREATE TABLE IF NOT EXISTS reporting_status_t AS FROM reporting_status_fresh LIMIT 0;

DELETE FROM reporting_status_t
WHERE period NOT IN (SELECT period FROM metric_periods)
   OR in_reporting_scope(reporting_status_t.period, reporting_status_t.unit_code);
INSERT INTO reporting_status_t BY NAME FROM reporting_status_fresh;
DROP VIEW reporting_status_fresh;
DROP MACRO in_reporting_scope;
DROP TABLE reporting_units;
DROP TABLE reporting_months;
