-- The (month, unit)s some of whose figures this run changed, among those it
-- recomputed (refresh_groups, refresh_scope.sql: all of them when the
-- refresh is full), found by a hash of each one's figures without joining
-- every figure with its previous value (4.5 million rows at 10,000 units ×
-- 12 months): only their figures are then compared exactly
-- (refresh_metric_changes.sql). hash() of several
-- values combines them linearly enough that equal changes to two rows
-- cancel out in bit_xor, so each row's hash is mixed again first. None when
-- the previous run left no figures (the first run). Temporary; a table rather
-- than a CTE so that the planner knows it is small.
CREATE OR REPLACE TEMP TABLE changed_groups AS
WITH new_groups AS (
    SELECT period, unit_code, bit_xor(hash(hash(metric, numerator, denominator))) AS h
    FROM metric_values_t
    SEMI JOIN refresh_groups USING (period, unit_code)
    GROUP BY period, unit_code
), old_groups AS (
    SELECT period, unit_code, bit_xor(hash(hash(metric, numerator, denominator))) AS h
    FROM prev_metric_values
    GROUP BY period, unit_code
)
SELECT coalesce(n.period, o.period) AS period, coalesce(n.unit_code, o.unit_code) AS unit_code
FROM new_groups n
FULL JOIN old_groups o ON o.period = n.period AND o.unit_code = n.unit_code
WHERE n.h IS DISTINCT FROM o.h
  AND NOT (SELECT first_run FROM refresh_mode);
