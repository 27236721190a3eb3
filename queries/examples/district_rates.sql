-- Every district's rates for one month, as numerator / denominator: a rate
-- is recomputed from sums, never averaged.
SELECT unit_name AS district, metric, numerator, denominator, round(value, 4) AS value
FROM metric_values
WHERE level = 'district' AND period = (SELECT max(period) FROM metric_values)
  AND denominator IS NOT NULL
ORDER BY unit_name, metric;
