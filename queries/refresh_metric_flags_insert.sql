-- metric_flags: the figures of metric_values that should not be read at
-- face value (docs/metrics.md#trust-in-a-figure), one row per flag.
--
-- small_sample: a rate about residents' requests or meetings whose
-- denominator is at least 1 and below getvariable('min_sample'), at every
-- level. Coverage and reporting rates count whole populations: never flagged.
--
-- anomaly: a village's or community's value for month M far from its own
-- history, checked only when the unit has an accepted form for M (its
-- reporting_rate numerator is 1) and the value is not NULL and not a small
-- sample. The history is the values of months M-12 … M-1 with an accepted
-- form, not NULL and not a small sample; with at least 6 of them, median m
-- and median absolute deviation d, the value x is an anomaly when
-- |0.6745·(x − m)/d| > 3.5 (the modified z-score), or when d = 0 and x ≠ m.
-- Also: requests_total 0 in M after accepted forms with requests in each of
-- M-6 … M-1 (the detail then says so). Both are window aggregates over each
-- unit's series, ordered by a month number: no self-join.
--
-- Only for the units of flag_scope (refresh_flag_scope.sql), whose flags
-- refresh_metric_flags_delete.sql removed: a unit's flags depend on its own
-- figures only, so the others' are as the previous run left them.
INSERT INTO metric_flags_t
WITH scope AS NOT MATERIALIZED (
    SELECT * FROM metric_values_t SEMI JOIN flag_scope USING (unit_code)
), sample_rates(metric, denominator_name) AS (
    -- Each rate's denominator, as docs/metrics.md defines it.
    VALUES ('resolution_rate',            '点单数'),
           ('ontime_rate',                '有办结日期的办结数'),
           ('rating_rate',                '办结数'),
           ('satisfaction_rate',          '评单数'),
           ('mediation_success_rate',     '矛盾纠纷数'),
           ('deliberation_followup_rate', '议事次数'),
           ('park_problem_solved_rate',   '协调问题数')
), small AS (
    SELECT v.period, v.unit_code, v.metric, 'small_sample' AS flag,
           s.denominator_name || ' ' || CAST(v.denominator AS BIGINT) || '，样本不足' AS detail
    FROM scope v
    JOIN sample_rates s USING (metric)
    WHERE v.denominator >= 1 AND v.denominator < getvariable('min_sample')
), accepted AS (
    SELECT period, unit_code
    FROM scope
    WHERE metric = 'reporting_rate' AND level IN ('village', 'community', 'park') AND numerator > 0
), series AS (
    SELECT v.period, v.unit_code, v.metric, c.title, c.kind,
           CAST(left(v.period, 4) AS INTEGER) * 12 + CAST(right(v.period, 2) AS INTEGER) AS month_no,
           a.unit_code IS NOT NULL AS accepted,
           CASE WHEN a.unit_code IS NOT NULL AND v.value IS NOT NULL
                     AND (v.metric IN ('requests_total', 'coverage_all', 'enterprises_total', 'enterprise_party_coverage') -- no small samples
                          OR v.denominator >= getvariable('min_sample'))
                THEN v.value END AS x
    FROM scope v
    JOIN metric_catalog c USING (metric)
    LEFT JOIN accepted a USING (period, unit_code)
    WHERE (v.level IN ('village', 'community')
           AND v.metric IN ('requests_total', 'resolution_rate', 'satisfaction_rate', 'ontime_rate', 'coverage_all'))
       OR (v.level = 'park' AND v.metric IN ('enterprises_total', 'enterprise_party_coverage'))
), windowed AS (
    SELECT *,
           list(x) FILTER (WHERE x IS NOT NULL) OVER past12 AS history,
           count(*) FILTER (WHERE x > 0) OVER past6 AS months_with_requests
    FROM series
    WINDOW past12 AS (PARTITION BY unit_code, metric ORDER BY month_no RANGE BETWEEN 12 PRECEDING AND 1 PRECEDING),
           past6 AS (PARTITION BY unit_code, metric ORDER BY month_no RANGE BETWEEN 6 PRECEDING AND 1 PRECEDING)
), med AS (
    SELECT *, list_median(history) AS m
    FROM windowed
    WHERE x IS NOT NULL
), scored AS (
    SELECT *,
           list_median(list_transform(history, lambda h: abs(h - m))) AS d,
           metric = 'requests_total' AND x = 0 AND months_with_requests = 6 AS dropped
    FROM med
), anomalies AS (
    -- Values are quotients of whole numbers: 1e-9 tells equal from unequal.
    SELECT period, unit_code, metric, 'anomaly' AS flag,
           CASE WHEN dropped THEN title || ' 0，此前6个月均有点单'
                ELSE title || ' ' ||
                     CASE WHEN kind = 'ratio' THEN printf('%.1f%%', 100 * x) ELSE printf('%d', CAST(x AS BIGINT)) END ||
                     '，近12个月中位数 ' ||
                     CASE WHEN kind = 'ratio' THEN printf('%.1f%%', 100 * m)
                          WHEN m = round(m) THEN printf('%d', CAST(m AS BIGINT))
                          ELSE printf('%.1f', m) END
           END AS detail
    FROM scored
    WHERE dropped
       OR (len(history) >= 6
           AND CASE WHEN d < 1e-9 THEN abs(x - m) > 1e-9
                    ELSE abs(0.6745 * (x - m) / d) > 3.5 END)
)
SELECT period, unit_code, metric, flag, detail FROM small
UNION ALL
SELECT period, unit_code, metric, flag, detail FROM anomalies;
