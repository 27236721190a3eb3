-- The metrics of the units above villages and communities (city, districts,
-- townships) for the months $1 to $2, for the headline's last month and the
-- trend sheet.
SELECT v.period, v.unit_code, c.ord, v.numerator, v.denominator, v.value
FROM metric_values v
JOIN metric_catalog c USING (metric)
WHERE v.period BETWEEN $1 AND $2
  AND v.level NOT IN ('village', 'community', 'park')
ORDER BY v.period, v.unit_code, c.ord;
