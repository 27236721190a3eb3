-- metric_values: one row per (month, unit valid in that month, metric), 0/0
-- included, written for the (month, unit)s of refresh_groups
-- (refresh_scope.sql), whose previous figures prev_metric_values.sql took
-- out. A unit's ratio is the sum of the numerators over the sum of the
-- denominators of the villages and communities below it in the hierarchy
-- of the month (unit_tree's rows valid in it), never an average of rates; a
-- zero denominator gives NULL. Counts carry a NULL denominator.
-- A median is computed afresh over all resolved requests under the unit,
-- never from the villages' medians: each village's days to resolve are
-- counted per whole day (a histogram, request_days, kept between runs), the
-- counts are summed up the registry,
-- and the median is read off the cumulative counts — the middle value, or
-- the mean of the two middle ones for an even count. Exact, and several times
-- cheaper than a median over every request joined to every ancestor.
--
-- A unit recomputed sums what lies below it from the units recomputed too
-- (their own facts) and from the parts of the tree that are not (their
-- figures and histograms as last night: kept_parts, below), so that a
-- night's few hundred changed villages do not sum every village again.
--
-- Memory (the default --memory-limit was 256MB, now 512MB; 10,000 units × 12 months is
-- 4.5 million figures): the facts are keyed by the metric's number rather
-- than its name; only the units above villages and communities are summed
-- through the tree (the villages' own figures are joined as they are);
-- the figures are written in 4 parts by a hash of the unit's code, each
-- joining a quarter of them (one join of them all needed more than 256MB
-- at 12 months), or in one when fewer than 20,000 (month, unit)s are
-- recomputed (a night's few hundred: four joins cost 180 ms where one
-- costs 60; a whole month of 10,000 units fits); the facts summed per unit
-- (rollup_own) are the only thing of their size kept aside, as large as the
-- figures recomputed; and nothing is sorted: readers order what they read.
-- A fact of a month before its unit's first month (unit_first,
-- refresh_unit_tree.sql) counts in that first month (facts_from and
-- days_from, refresh_scope.sql, shift it there).
SET VARIABLE rollup_parts = CASE WHEN (SELECT count(*) FROM refresh_groups) < 20000 THEN 1 ELSE 4 END;

-- Every reporting unit's facts in the months of refresh_periods (facts_from,
-- refresh_scope.sql: those months' blocks of metric_facts, and the earlier
-- facts of a unit founded in one of them, shifted to its first month):
-- read once, for rollup_own.
CREATE OR REPLACE TEMP MACRO rollup_facts() AS TABLE
SELECT f.period, f.unit_code, c.ord, f.numerator, f.denominator
FROM facts_from(getvariable('refresh_from')) f
JOIN metric_catalog c USING (metric)
WHERE f.period IN (SELECT period FROM refresh_periods);

-- The own facts of the (month, unit)s recomputed, summed per month, unit
-- and metric (a shifted fact may meet another of the same key): the only
-- thing of their size kept aside, as large as the figures recomputed.
CREATE OR REPLACE TEMP TABLE rollup_own AS
SELECT f.period, f.unit_code, f.ord,
       sum(f.numerator) AS numerator, sum(f.denominator) AS denominator,
       hash(f.unit_code) % getvariable('rollup_parts') AS part
FROM rollup_facts() f
SEMI JOIN refresh_groups g ON g.period = f.period AND g.unit_code = f.unit_code
GROUP BY ALL;

-- The units below a recomputed unit are of two kinds. Those recomputed
-- too (refresh_groups is closed upwards: a recomputed unit's parent is
-- recomputed) bring their own facts (rollup_own). The others, the units
-- not recomputed whose parent is (kept_parts), have the same inputs as
-- last night, so the figures of metric_values_t (numerators and
-- denominators of all the units below them) and their histograms
-- (request_days_up) as they are: each unit's whole part of the tree in one
-- row. Both are summed first to the parent (depth 1), then from the parents
-- to every unit at or above them. A night's 1% of villages changed in 4
-- months summed 30,000 facts and 100,000 figures this way where every
-- village's, 900,000 facts and 970,000 histogram rows, were summed before
-- (0.24 s of the night); a month new or recomputed whole has no kept part
-- and sums every fact, in the two steps that keep the joins small (a
-- parent's sum in the second join where the first had every village's).
CREATE OR REPLACE TEMP TABLE kept_parts AS
SELECT g.period, t.unit_code AS code, g.unit_code AS parent_code
FROM refresh_groups g
JOIN unit_tree t
  ON t.ancestor_code = g.unit_code AND t.depth = 1 AND g.period BETWEEN t.valid_from AND t.valid_to
ANTI JOIN refresh_groups x ON x.period = g.period AND x.unit_code = t.unit_code;

CREATE OR REPLACE TEMP TABLE rollup_below AS
WITH to_parent AS (
    SELECT o.period, t.ancestor_code AS parent_code, o.ord,
           sum(o.numerator) AS numerator, sum(o.denominator) AS denominator
    FROM rollup_own o
    JOIN unit_tree t
      ON t.unit_code = o.unit_code AND t.depth = 1
     AND o.period BETWEEN t.valid_from AND t.valid_to
    GROUP BY ALL
    UNION ALL
    SELECT k.period, k.parent_code, v.metric_ord, sum(v.numerator), sum(v.denominator)
    FROM kept_parts k
    JOIN metric_values_t v ON v.period = k.period AND v.unit_code = k.code
    JOIN metric_catalog c ON c.ord = v.metric_ord AND c.kind <> 'median'
    GROUP BY ALL
)
SELECT p.period, t.ancestor_code AS unit_code, p.ord,
       sum(p.numerator) AS numerator, sum(p.denominator) AS denominator,
       hash(t.ancestor_code) % getvariable('rollup_parts') AS part
FROM to_parent p
JOIN unit_tree t
  ON t.unit_code = p.parent_code
 AND p.period BETWEEN t.valid_from AND t.valid_to
SEMI JOIN refresh_groups g ON g.period = p.period AND g.unit_code = t.ancestor_code
GROUP BY ALL;

-- The histograms of the (month, unit)s recomputed: each one's own days and
-- those of the units below it, in the same two kinds (a kept part without
-- units below it has its own days, not kept in request_days_up).
CREATE OR REPLACE TEMP TABLE rollup_days_up AS
WITH shifted AS MATERIALIZED (
    -- Read once for both uses below: the days of the recomputed units and
    -- of the kept parts.
    SELECT d.period, d.unit_code, d.days, d.n
    FROM days_from(getvariable('refresh_from')) d
    SEMI JOIN (SELECT period, unit_code FROM refresh_groups UNION ALL SELECT period, code FROM kept_parts) w
      ON w.period = d.period AND w.unit_code = d.unit_code
), own AS (
    -- The recomputed units' own days (a unit valid in its month).
    SELECT d.period, d.unit_code, d.days, d.n
    FROM shifted d
    SEMI JOIN refresh_groups g ON g.period = d.period AND g.unit_code = d.unit_code
), kept_days AS (
    SELECT k.period, k.parent_code, d.days, d.n
    FROM kept_parts k
    JOIN request_days_up d ON d.period = k.period AND d.unit_code = k.code
    UNION ALL
    SELECT k.period, k.parent_code, d.days, d.n
    FROM kept_parts k
    JOIN shifted d ON d.period = k.period AND d.unit_code = k.code
    ANTI JOIN unit_tree c ON c.ancestor_code = k.code AND c.depth = 1 AND k.period BETWEEN c.valid_from AND c.valid_to
), to_parent AS (
    SELECT o.period, t.ancestor_code AS parent_code, o.days, sum(o.n) AS n
    FROM own o
    JOIN unit_tree t ON t.unit_code = o.unit_code AND t.depth = 1 AND o.period BETWEEN t.valid_from AND t.valid_to
    GROUP BY ALL
    UNION ALL
    SELECT period, parent_code, days, sum(n)
    FROM kept_days
    GROUP BY ALL
), days_up AS (
    SELECT period, unit_code, days, sum(n) AS n
    FROM (
        SELECT o.period, o.unit_code, o.days, o.n
        FROM own o
        SEMI JOIN unit_tree t ON t.unit_code = o.unit_code AND t.depth = 0 AND o.period BETWEEN t.valid_from AND t.valid_to
        UNION ALL
        SELECT p.period, t.ancestor_code, p.days, p.n
        FROM to_parent p
        JOIN unit_tree t ON t.unit_code = p.parent_code AND p.period BETWEEN t.valid_from AND t.valid_to
        SEMI JOIN refresh_groups g ON g.period = p.period AND g.unit_code = t.ancestor_code
    )
    GROUP BY ALL
)
FROM days_up;

CREATE OR REPLACE TEMP TABLE rollup_medians AS
SELECT period, unit_code, 'days_to_resolve_median' AS metric, median,
       hash(unit_code) % getvariable('rollup_parts') AS part
FROM histogram_medians('rollup_days_up');

-- Kept for the units with a unit below them in the month
-- (request_days_up, schema.sql): written again for the (month, unit)s
-- recomputed, gone with a month gone.
DELETE FROM request_days_up u
USING refresh_groups g
WHERE u.period = g.period AND u.unit_code = g.unit_code;
DELETE FROM request_days_up WHERE period NOT IN (SELECT period FROM metric_periods);
INSERT INTO request_days_up
SELECT d.period, d.unit_code, d.days, d.n
FROM rollup_days_up d
SEMI JOIN unit_tree t
  ON t.ancestor_code = d.unit_code AND t.depth = 1 AND d.period BETWEEN t.valid_from AND t.valid_to;

-- The figures of the units (of each month's hierarchy: unit_periods,
-- refresh_metric_periods.sql) whose code's hash falls in part k.
CREATE OR REPLACE TEMP MACRO rollup_part(k) AS TABLE
SELECT g.period, g.unit_code, g.unit_name, g.level, g.metric,
       CASE g.kind WHEN 'median' THEN m.median
                   ELSE coalesce(o.numerator, 0) + coalesce(b.numerator, 0) END::DOUBLE AS numerator,
       CASE g.kind WHEN 'ratio' THEN coalesce(o.denominator, 0) + coalesce(b.denominator, 0) END::DOUBLE AS denominator,
       CASE g.kind WHEN 'ratio' THEN (coalesce(o.numerator, 0) + coalesce(b.numerator, 0))
                                     / nullif(coalesce(o.denominator, 0) + coalesce(b.denominator, 0), 0)
                   WHEN 'median' THEN m.median
                   ELSE coalesce(o.numerator, 0) + coalesce(b.numerator, 0) END::DOUBLE AS value,
       g.ord AS metric_ord
FROM (
    SELECT u.period, u.code AS unit_code, u.name AS unit_name, u.level, c.metric, c.kind, c.ord
    FROM unit_periods u
    SEMI JOIN refresh_groups r ON r.period = u.period AND r.unit_code = u.code
    CROSS JOIN metric_catalog c
    WHERE hash(u.code) % getvariable('rollup_parts') = k
) g
LEFT JOIN (FROM rollup_own WHERE part = k) o ON o.period = g.period AND o.unit_code = g.unit_code AND o.ord = g.ord
LEFT JOIN (FROM rollup_below WHERE part = k) b ON b.period = g.period AND b.unit_code = g.unit_code AND b.ord = g.ord
LEFT JOIN (FROM rollup_medians WHERE part = k) m ON m.period = g.period AND m.unit_code = g.unit_code AND m.metric = g.metric;

-- Parts 1 to 3 are empty (and cost nothing) when there is one.
INSERT INTO metric_values_t BY NAME FROM rollup_part(0);
INSERT INTO metric_values_t BY NAME FROM rollup_part(1);
INSERT INTO metric_values_t BY NAME FROM rollup_part(2);
INSERT INTO metric_values_t BY NAME FROM rollup_part(3);
DROP TABLE rollup_own;
DROP TABLE rollup_below;
DROP TABLE rollup_medians;
DROP TABLE rollup_days_up;
DROP TABLE kept_parts;
