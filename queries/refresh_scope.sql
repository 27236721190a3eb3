-- Which figures this run recomputes (docs/metrics.md, "What a run
-- recomputes"). metric_values_t still holds the previous run's figures.
--
-- A figure of month M for unit U depends on the facts of M of the reporting
-- units at or below U in M's hierarchy, on the registry, the deadline day and
-- the definitions. So when the registry, the deadline day or the SQL and
-- definitions the figures come from (runs.flags_basis, metrics.go) differ
-- from the previous run's, or there is no previous run, every figure is
-- recomputed (full). Otherwise only the (month, unit)s of refresh_groups:
--   * every unit of a month that is new to metric_periods or gone from it;
--   * for each reporting unit with a submission whose status or receipt
--     time changed, from the earliest month that submission (or one of its
--     requests) is about on: that unit and every unit above it, in each
--     month's hierarchy. Every later month, not only the submission's own:
--     a form of March can restate January's requests (the latest form gives
--     a request its values), and a fact source may look back (晋位升级
--     compares a month with the unit's previous answers).
-- A figure outside them has the same inputs as last night, so the same
-- value. TestIncrementalEqualsFresh checks that a run keeps the same figures
-- as a fresh load of the same inbox, night after night.
--
-- The facts (metric_facts) are kept between runs: only those of the
-- changed units (and of new months) are computed again; the roll-up reads
-- the others. When the month of today's hierarchy moves, every month of
-- metric_values_current is recomputed (it follows today's hierarchy), but
-- only the figures of refresh_groups in metric_values.
-- All temporary.
CREATE OR REPLACE TEMP TABLE refresh_mode AS
WITH mode AS (
    SELECT NOT coalesce((SELECT p.flags_basis = c.flags_basis AND p.deadline_day = c.deadline_day FROM this_run c, prev_run p), false)
           OR getvariable('registry_changed') -- load_units.sql
           -- figures without the facts they came from (a warehouse from before
           -- metric_facts was kept): nothing to sum the kept facts with
           OR (NOT EXISTS (SELECT 1 FROM metric_facts) AND EXISTS (SELECT 1 FROM metric_values_t))
           AS all_figures,
           NOT EXISTS (SELECT 1 FROM metric_values_t) AS first_run
)
SELECT all_figures, first_run,
       all_figures OR (SELECT period FROM hierarchy_today) IS DISTINCT FROM (SELECT period FROM prev_today) AS today_moved -- prev_today.sql
FROM mode;

-- The months the previous run had figures for.
CREATE OR REPLACE TEMP TABLE prev_metric_periods AS
SELECT DISTINCT period FROM metric_values_t;

-- Each reporting unit with a changed submission, and the earliest month its
-- facts may have changed in: its form's, or, when its effective requests
-- were written again (requests_rewritten_units, refresh_requests.sql), its
-- earliest request's (forms.requests_first_on, kept so that request_rows is
-- not read). Every other fact source is of the form's month, or looks back
-- from it (晋位升级), so a form of month M changes nothing before M but
-- requests; and a village whose corrected form left its requests as they
-- were has the same requests in every month. A night whose corrections
-- keep their request logs then recomputes the figures of their months on,
-- not of the months of their oldest open requests (on the bench's 12-month
-- night: from 2021-11 where it was 2021-08).
CREATE OR REPLACE TEMP TABLE refresh_units AS
WITH months AS (
    SELECT unit_code, period FROM changed_submissions
    UNION ALL
    SELECT c.unit_code, strftime(min(f.requests_first_on), '%Y-%m')
    FROM changed_submissions c JOIN forms f USING (sha256)
    WHERE c.unit_code IN (SELECT unit_code FROM requests_rewritten_units)
    GROUP BY c.unit_code
)
SELECT unit_code, min(period) AS from_period
FROM months
WHERE unit_code IS NOT NULL AND period IS NOT NULL
GROUP BY unit_code;

CREATE OR REPLACE TEMP TABLE refresh_groups AS
WITH months_changed AS (
    (SELECT period FROM metric_periods EXCEPT SELECT period FROM prev_metric_periods)
    UNION
    (SELECT period FROM prev_metric_periods EXCEPT SELECT period FROM metric_periods)
)
SELECT u.period, u.code AS unit_code
FROM unit_periods u
WHERE (SELECT all_figures FROM refresh_mode) OR u.period IN (SELECT period FROM months_changed)
UNION
-- a month gone: its previous figures, to be removed
SELECT DISTINCT v.period, v.unit_code
FROM metric_values_t v
WHERE v.period IN (SELECT period FROM months_changed) AND v.period NOT IN (SELECT period FROM metric_periods)
UNION
SELECT p.period, t.ancestor_code
FROM refresh_units c
JOIN metric_periods p ON p.period >= c.from_period
JOIN unit_tree t ON t.unit_code = c.unit_code AND p.period BETWEEN t.valid_from AND t.valid_to;

-- The facts (metric_facts, kept between runs) this run recomputes: every
-- one for a full refresh; else those of a month new or gone (the expected
-- units' reporting facts come and go with it), and those of each unit of
-- refresh_units: from its month on would do, since the earlier ones cannot
-- have changed, but all of them cost less than telling them apart (a join
-- on an inequality in every source). in_fact_scope is the test, for the
-- statements of the definitions (metrics.go) and metric_facts.sql.
CREATE OR REPLACE TEMP TABLE fact_months AS
(SELECT period FROM metric_periods EXCEPT SELECT period FROM prev_metric_periods)
UNION
(SELECT period FROM prev_metric_periods EXCEPT SELECT period FROM metric_periods);

-- The units whose facts the statements of the definitions compute (and
-- whose meetings refresh_meetings.sql keeps), as a variable: a constant list
-- that reaches the sources' scans, through their joins and groupings (a
-- subquery does not get through a grouping: the distinct organizations of
-- a year were computed whole, 0.7 s). NULL, for every unit, when a month is
-- new or gone (once a month), the refresh is full, or more than 1,000 units
-- changed. in_fact_units is its test, defined again by the run with the
-- units written out as an IN list (warehouse/run.go, inlineFactUnits).
SET VARIABLE fact_units = CASE
    WHEN (SELECT all_figures FROM refresh_mode) OR EXISTS (SELECT 1 FROM fact_months)
         OR (SELECT count(*) FROM refresh_units) > 1000 THEN NULL
    ELSE (SELECT coalesce(list(unit_code), []) FROM refresh_units) END;

CREATE OR REPLACE TEMP MACRO in_fact_units(u) AS
    getvariable('fact_units') IS NULL OR list_contains(getvariable('fact_units'), u);

-- The test of the facts in scope: joins, cheap over the 2.2 million facts
-- of a 10,000-unit year (the delete of metrics.go). The statements of the
-- definitions test in_fact_units before it, which reaches their scans.
CREATE OR REPLACE TEMP MACRO in_fact_scope(p, u) AS
    (SELECT all_figures FROM refresh_mode)
    OR p IN (SELECT period FROM fact_months)
    OR u IN (SELECT unit_code FROM refresh_units);

-- Among them, the facts of a source whose rows depend on less than every
-- month of a changed unit: only those that may have changed are computed
-- again. in_source_scope_<source>(p, u), one for each fact source, is the
-- test, beside in_fact_scope, in the statements of the definitions and in
-- their delete (metrics.go); the sources not named here take every fact in
-- scope.
--   * `requests`: a function of the unit's rows of requests_effective alone
--     (facts_requests.sql), which refresh_requests.sql wrote again only for
--     requests_rewritten_units: every unit's when every figure is
--     recomputed or every unit's requests are (requests_full). A corrected
--     form that leaves the request log as it was (a cover sheet or an
--     organization fixed) changes none; when no village's requests moved the
--     test is a constant false, which drops the source's scan (seven
--     columns of every request of a year: 13.7 million rows, 94 MB of
--     blocks at 10,000 villages).
--   * `orgs` and `orgs_distinct`: functions of the organization rows of the
--     month's accepted form (facts_orgs.sql), so of the (month, unit)s with a
--     submission whose status changed (changed_submissions; a form's unit,
--     month and rows never change under its sha256), not of the unit's other
--     months: every one when every figure is recomputed or a month is new or
--     gone.
SET VARIABLE request_facts = CASE
    WHEN (SELECT all_figures FROM refresh_mode) OR getvariable('requests_full') THEN 'all'
    WHEN EXISTS (SELECT 1 FROM requests_rewritten_units) THEN 'some'
    ELSE 'none' END;

SET VARIABLE form_facts_all = (SELECT all_figures FROM refresh_mode) OR EXISTS (SELECT 1 FROM fact_months);

CREATE OR REPLACE TEMP MACRO in_source_scope_requests(p, u) AS
    getvariable('request_facts') = 'all'
    OR (getvariable('request_facts') = 'some' AND u IN (SELECT unit_code FROM requests_rewritten_units));

-- Not a correlated EXISTS: a macro's arguments are column names, and
-- `period` and `unit_code` in a subquery on changed_submissions are its
-- own columns, which made the test true for every month of a changed unit.
CREATE OR REPLACE TEMP MACRO in_form_scope(p, u) AS
    getvariable('form_facts_all')
    OR concat_ws('|', p, u) IN (SELECT concat_ws('|', period, unit_code) FROM changed_submissions);

-- The organization rows those facts read (facts_orgs.sql): run_org_rows
-- when it holds every row the run loaded and every (month, unit) in
-- in_form_scope has as its accepted form one this run loaded, as on a
-- night of new and corrected forms; org_rows otherwise (every fact in
-- scope, or a form of an earlier run accepted again, such as an earlier
-- form received again after its correction: changed_accept_earlier,
-- refresh_submission_status.sql).
SET VARIABLE orgs_from_run = coalesce(getvariable('run_org_rows_complete'), false)
    AND NOT getvariable('form_facts_all')
    AND NOT coalesce(getvariable('changed_accept_earlier'), true);

CREATE OR REPLACE TEMP MACRO in_source_scope_orgs(p, u) AS in_form_scope(p, u);
CREATE OR REPLACE TEMP MACRO in_source_scope_orgs_distinct(p, u) AS in_form_scope(p, u);
CREATE OR REPLACE TEMP MACRO in_source_scope_reporting(p, u) AS true;
CREATE OR REPLACE TEMP MACRO in_source_scope_cover(p, u) AS true;
CREATE OR REPLACE TEMP MACRO in_source_scope_meetings(p, u) AS true;
CREATE OR REPLACE TEMP MACRO in_source_scope_rectification(p, u) AS true;
CREATE OR REPLACE TEMP MACRO in_source_scope_enterprises(p, u) AS true;
CREATE OR REPLACE TEMP MACRO in_source_scope_visits(p, u) AS true;

-- The months whose figures this run writes again (refresh_periods, also
-- those of reporting_status), and those of metric_values_current
-- (current_periods): every month when today's month moved or the refresh
-- is full, since the current view of every month follows today's hierarchy.
CREATE OR REPLACE TEMP TABLE refresh_periods AS
SELECT DISTINCT period FROM refresh_groups;

CREATE OR REPLACE TEMP TABLE current_periods AS
SELECT period FROM metric_periods WHERE (SELECT today_moved FROM refresh_mode)
UNION
SELECT period FROM refresh_periods;

-- The units founded in a month of current_periods: their facts of earlier
-- months count in that month (request_before_unit), so the roll-ups read
-- all of their facts.
CREATE OR REPLACE TEMP TABLE fact_units AS
SELECT code
FROM unit_first
WHERE first_from > '0000-00' AND first_from IN (SELECT period FROM current_periods);

-- The founded units as a variable too, and the facts and request_days of the
-- months from m on with the founded units' earlier ones, for the roll-ups:
-- two plain scans whose month test reaches the scan (it skips the blocks
-- of earlier months, and a test of a constant is cheap), where one test
-- "recent or founded" made every row of a year probe a subquery. Each row
-- comes with its month shifted to its unit's first month (unit_first,
-- refresh_unit_tree.sql) when earlier: a fact of a month before its unit
-- existed counts in that first month (request_before_unit), in every
-- roll-up.
SET VARIABLE founded_units = (SELECT coalesce(list(code), []) FROM fact_units);

-- shifted_from(t, m): the rows of t (metric_facts or request_days: a
-- period and a unit_code first) from month m on, with the founded units'
-- earlier ones, each in its month or its unit's first month if later.
CREATE OR REPLACE TEMP MACRO shifted_from(t, m) AS TABLE
SELECT greatest(r.period, coalesce(u.first_from, '0000-00')) AS period, r.* EXCLUDE (period)
FROM (
    FROM query_table(t) WHERE period >= m
    UNION ALL
    FROM query_table(t)
    WHERE period < m AND len(getvariable('founded_units')) > 0 AND list_contains(getvariable('founded_units'), unit_code)
) r
LEFT JOIN unit_first u ON u.code = r.unit_code;

CREATE OR REPLACE TEMP MACRO facts_from(m) AS TABLE FROM shifted_from('metric_facts', m);

CREATE OR REPLACE TEMP MACRO days_from(m) AS TABLE FROM shifted_from('request_days', m);

-- The median of each (period, unit_code)'s days to resolve, from t, the
-- name of a histogram (period, unit_code, days, n) such as request_days
-- summed up the tree (rollup_metric_values*.sql): the days of the middle
-- value, or the mean of the two middle ones. With N values they are at
-- positions (N+1)//2 and N//2+1 (the same position when N is odd).
CREATE OR REPLACE TEMP MACRO histogram_medians(t) AS TABLE
WITH cumulative AS (
    SELECT *,
           sum(n) OVER (PARTITION BY period, unit_code ORDER BY days ROWS UNBOUNDED PRECEDING) AS upto,
           sum(n) OVER (PARTITION BY period, unit_code) AS total
    FROM query_table(t)
)
SELECT period, unit_code,
       (min(days) FILTER (WHERE upto >= (total + 1) // 2)
        + min(days) FILTER (WHERE upto >= total // 2 + 1)) / 2.0 AS median
FROM cumulative
GROUP BY period, unit_code;

-- The first month of each (9999-12: none), as variables: a comparison with
-- a variable reaches the scans of metric_facts and request_days, which then
-- skip the blocks of earlier months (both are stored month by month).
SET VARIABLE refresh_from = coalesce((SELECT min(period) FROM refresh_periods), '9999-12');
SET VARIABLE current_from = coalesce((SELECT min(period) FROM current_periods), '9999-12');
