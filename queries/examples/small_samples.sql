-- Rates of the newest month that rest on too few cases (metric_flags, flag
-- small_sample: a denominator of at least 1 and below `run --min-sample`,
-- 10 by default): quote them with their numerator and denominator, or not
-- at all.
SELECT f.unit_code, v.unit_name, c.title, v.numerator, v.denominator, f.detail
FROM metric_flags f
JOIN metric_values v USING (period, unit_code, metric)
JOIN metric_catalog c USING (metric)
WHERE f.flag = 'small_sample' AND f.period = (SELECT max(period) FROM metric_values)
ORDER BY f.unit_code, c.ord;
