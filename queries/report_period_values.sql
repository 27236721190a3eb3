-- Every unit's metrics for one month ($1), in the catalog's column order.
SELECT v.unit_code, c.ord, v.numerator, v.denominator, v.value
FROM metric_values v
JOIN metric_catalog c USING (metric)
WHERE v.period = $1
ORDER BY v.unit_code, c.ord;
