-- Villages and communities whose figure for the newest month is far from
-- their own previous 12 months (metric_flags, flag anomaly), with their
-- township: check the form, or call the clerk, before quoting the figure.
SELECT f.unit_code, v.unit_name, t.name AS township, c.title, f.detail
FROM metric_flags f
JOIN metric_values v USING (period, unit_code, metric)
JOIN metric_catalog c USING (metric)
JOIN units u ON u.code = f.unit_code
LEFT JOIN units t ON t.code = u.parent_code
WHERE f.flag = 'anomaly' AND f.period = (SELECT max(period) FROM metric_values)
ORDER BY f.unit_code, c.ord;
