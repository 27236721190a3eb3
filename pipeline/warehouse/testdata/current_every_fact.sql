-- The figures of metric_values_current's replaced (month, unit)s as
-- rollup_metric_values_current.sql summed them before it summed the parts of
-- today's tree that did not change: every fact and histogram row of every
-- unit of the month, mapped to today's units and summed up today's tree.
-- TestCurrentFromKeptParts compares the two on the run's own temporary
-- tables.
WITH replaced AS (
    SELECT r.period, u.code, u.name, u.level
    FROM metric_values_current_replaced r
    JOIN unit_rows u ON u.code = r.unit_code
    WHERE (SELECT period FROM hierarchy_today) BETWEEN coalesce(u.valid_from, '0000-00') AND coalesce(u.valid_to, '9999-99')
      AND r.period IN (SELECT period FROM current_periods) -- this run's; the others keep their rows
), replaced_periods AS (
    SELECT DISTINCT period FROM replaced
), shifted AS (
    -- As in metric_values: a fact of a month before its unit's first month
    -- counts in that first month (request_before_unit); one of a unit not
    -- valid in its month counts in neither view.
    SELECT greatest(f.period, coalesce(u.first_from, '0000-00')) AS period, f.unit_code, f.metric, f.numerator, f.denominator
    FROM facts_from(getvariable('current_from')) f
    LEFT JOIN unit_first u ON u.code = f.unit_code
), located AS (
    -- Each fact at the unit it maps to today.
    SELECT f.period, coalesce(m.current_code, f.unit_code) AS code, c.ord, f.numerator, f.denominator
    FROM shifted f
    JOIN replaced_periods USING (period)
    JOIN unit_periods v ON v.period = f.period AND v.code = f.unit_code
    LEFT JOIN current_units m ON m.code = f.unit_code
    JOIN metric_catalog c USING (metric)
), located_parent AS (
    -- Summed to that unit's parent of today first, then from the parents
    -- up (as rollup_metric_values.sql does): the same units reached as
    -- through today's tree at once, with a parent's sum in the second join
    -- where the first had every village's.
    SELECT l.period, t.ancestor_code AS parent_code, l.ord,
           sum(l.numerator) AS numerator, sum(l.denominator) AS denominator
    FROM located l
    JOIN today_tree t ON t.unit_code = l.code AND t.depth = 1
    GROUP BY ALL
), sums AS (
    -- To the replaced units at or above each fact's unit of today.
    SELECT period, unit_code, ord, sum(numerator) AS numerator, sum(denominator) AS denominator
    FROM (
        SELECT l.period, l.code AS unit_code, l.ord, l.numerator, l.denominator
        FROM located l
        SEMI JOIN today_tree t ON t.unit_code = l.code AND t.depth = 0
        SEMI JOIN replaced r ON r.period = l.period AND r.code = l.code
        UNION ALL
        SELECT p.period, t.ancestor_code, p.ord, p.numerator, p.denominator
        FROM located_parent p
        JOIN today_tree t ON t.unit_code = p.parent_code
        SEMI JOIN replaced r ON r.period = p.period AND r.code = t.ancestor_code
    )
    GROUP BY ALL
), located_days AS (
    SELECT p.period, coalesce(m.current_code, d.unit_code) AS code, d.days, d.n
    FROM days_from(getvariable('current_from')) d
    LEFT JOIN unit_first u ON u.code = d.unit_code
    JOIN replaced_periods p ON p.period = greatest(d.period, coalesce(u.first_from, '0000-00'))
    JOIN unit_periods v ON v.period = p.period AND v.code = d.unit_code
    LEFT JOIN current_units m ON m.code = d.unit_code
), days_parent AS (
    SELECT l.period, t.ancestor_code AS parent_code, l.days, sum(l.n) AS n
    FROM located_days l
    JOIN today_tree t ON t.unit_code = l.code AND t.depth = 1
    GROUP BY ALL
), days_up AS (
    SELECT period, unit_code, days, sum(n) AS n
    FROM (
        SELECT l.period, l.code AS unit_code, l.days, l.n
        FROM located_days l
        SEMI JOIN today_tree t ON t.unit_code = l.code AND t.depth = 0
        SEMI JOIN replaced x ON x.period = l.period AND x.code = l.code
        UNION ALL
        SELECT p.period, t.ancestor_code, p.days, p.n
        FROM days_parent p
        JOIN today_tree t ON t.unit_code = p.parent_code
        SEMI JOIN replaced x ON x.period = p.period AND x.code = t.ancestor_code
    )
    GROUP BY ALL
), medians AS (
    SELECT period, unit_code, 'days_to_resolve_median' AS metric, median
    FROM histogram_medians('days_up')
)
SELECT u.period, u.code AS unit_code, u.name AS unit_name, u.level, c.metric,
       CASE c.kind WHEN 'median' THEN m.median ELSE coalesce(s.numerator, 0) END::DOUBLE AS numerator,
       CASE c.kind WHEN 'ratio' THEN coalesce(s.denominator, 0) END::DOUBLE AS denominator,
       CASE c.kind WHEN 'ratio' THEN s.numerator / nullif(s.denominator, 0)
                   WHEN 'median' THEN m.median
                   ELSE coalesce(s.numerator, 0) END::DOUBLE AS value,
       c.ord AS metric_ord
FROM replaced u
CROSS JOIN metric_catalog c
LEFT JOIN sums s ON s.period = u.period AND s.unit_code = u.code AND s.ord = c.ord
LEFT JOIN medians m ON m.period = u.period AND m.unit_code = u.code AND m.metric = c.metric;
