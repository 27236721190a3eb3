-- metric_values: one row per (month, registry unit, metric), 0/0 included.
-- A unit's ratio is the sum of the numerators over the sum of the
-- denominators of the villages and communities below it, never an average
-- of rates; a zero denominator gives NULL. Counts carry a NULL denominator.
-- A median is computed afresh over all resolved requests under the unit
-- (DuckDB's median averages the two middle values of an even count).
CREATE OR REPLACE TABLE metric_values_t AS
WITH sums AS (
    SELECT f.period, t.ancestor_code AS unit_code, f.metric,
           sum(f.numerator) AS numerator, sum(f.denominator) AS denominator
    FROM metric_facts f
    JOIN unit_tree t ON t.unit_code = f.unit_code
    GROUP BY ALL
), medians AS (
    SELECT strftime(r.requested_on, '%Y-%m') AS period, t.ancestor_code AS unit_code,
           'days_to_resolve_median' AS metric,
           median(date_diff('day', r.requested_on, r.resolved_on)::DOUBLE) AS median
    FROM requests_effective r
    JOIN unit_tree t ON t.unit_code = r.unit_code
    WHERE r.state = '已办结' AND r.resolved_on IS NOT NULL
    GROUP BY ALL
)
SELECT p.period, u.code AS unit_code, u.name AS unit_name, u.level, c.metric,
       CASE c.kind WHEN 'median' THEN m.median ELSE coalesce(s.numerator, 0) END::DOUBLE AS numerator,
       CASE c.kind WHEN 'ratio' THEN coalesce(s.denominator, 0) END::DOUBLE AS denominator,
       CASE c.kind WHEN 'ratio' THEN s.numerator / nullif(s.denominator, 0)
                   WHEN 'median' THEN m.median
                   ELSE coalesce(s.numerator, 0) END::DOUBLE AS value,
       c.ord AS metric_ord
FROM metric_periods p
CROSS JOIN units u
CROSS JOIN metric_catalog c
LEFT JOIN sums s ON s.period = p.period AND s.unit_code = u.code AND s.metric = c.metric
LEFT JOIN medians m ON m.period = p.period AND m.unit_code = u.code AND m.metric = c.metric
ORDER BY p.period, u.code, c.ord;
