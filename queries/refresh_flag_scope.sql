-- The units whose flags (metric_flags) this run recomputes. A unit's flags
-- depend only on its own figures, its level and min_sample: so, the units
-- with a figure in this run's metric_changes, and those added, removed or
-- given another level by the registry. Every unit (and every unit with
-- flags) when there is no previous run to go by, or when min_sample or the
-- flags' definitions (flags_basis: refresh_metric_flags_insert.sql and
-- the metric definitions) differ from the previous run's. Temporary.
CREATE OR REPLACE TEMP TABLE flag_scope AS
WITH mode AS (
    SELECT coalesce(p.min_sample = c.min_sample AND p.flags_basis = c.flags_basis, false)
           AND NOT (SELECT first_run FROM refresh_mode) AS incremental
    FROM this_run c
    LEFT JOIN prev_run p ON true
)
SELECT code AS unit_code FROM units WHERE NOT (SELECT incremental FROM mode)
UNION
SELECT unit_code FROM metric_flags_t WHERE NOT (SELECT incremental FROM mode)
UNION
SELECT unit_code FROM metric_changes_t WHERE run_id = getvariable('run_id')
UNION
SELECT coalesce(n.code, o.code)
FROM units n
FULL JOIN prev_units o ON o.code = n.code
WHERE n.code IS NULL OR o.code IS NULL OR n.level IS DISTINCT FROM o.level;
