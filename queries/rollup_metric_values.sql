-- metric_values: one row per (month, registry unit, metric), 0/0 included.
-- A unit's ratio is the sum of the numerators over the sum of the
-- denominators of the villages and communities below it, never an average
-- of rates; a zero denominator gives NULL. Counts carry a NULL denominator.
-- A median is computed afresh over all resolved requests under the unit,
-- never from the villages' medians: each village's days to resolve are
-- counted per whole day (a histogram), the counts are summed up the registry,
-- and the median is read off the cumulative counts — the middle value, or
-- the mean of the two middle ones for an even count. Exact, and several times
-- cheaper than a median over every request joined to every ancestor.
CREATE OR REPLACE TABLE metric_values_t AS
WITH sums AS (
    SELECT f.period, t.ancestor_code AS unit_code, f.metric,
           sum(f.numerator) AS numerator, sum(f.denominator) AS denominator
    FROM metric_facts f
    JOIN unit_tree t ON t.unit_code = f.unit_code
    GROUP BY ALL
), days AS (
    SELECT strftime(requested_on, '%Y-%m') AS period, unit_code,
           date_diff('day', requested_on, resolved_on) AS days, count(*) AS n
    FROM requests_effective
    WHERE state = '已办结' AND resolved_on IS NOT NULL
    GROUP BY ALL
), days_up AS (
    SELECT d.period, t.ancestor_code AS unit_code, d.days, sum(d.n) AS n
    FROM days d
    JOIN unit_tree t ON t.unit_code = d.unit_code
    GROUP BY ALL
), cumulative AS (
    SELECT *,
           sum(n) OVER (PARTITION BY period, unit_code ORDER BY days ROWS UNBOUNDED PRECEDING) AS upto,
           sum(n) OVER (PARTITION BY period, unit_code) AS total
    FROM days_up
), medians AS (
    -- With N values, the middle ones are at positions (N+1)//2 and N//2+1
    -- (the same position when N is odd).
    SELECT period, unit_code, 'days_to_resolve_median' AS metric,
           (min(days) FILTER (WHERE upto >= (total + 1) // 2)
            + min(days) FILTER (WHERE upto >= total // 2 + 1)) / 2.0 AS median
    FROM cumulative
    GROUP BY period, unit_code
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
