-- The general metrics (not the 2023版 assessment's and the parks', which
-- 总览 and 趋势 leave out) of the units whose workbook has a 趋势 sheet
-- ($3: the registry's top unit and the townships) for the months $1 to $2:
-- 趋势 and 总览's last month. The other units' figures of other months are
-- shown nowhere, and a 12-month warehouse holds twelve months of them. In
-- no order, as report_period_values.sql: each row has its own place.
SELECT v.period, v.unit_code, c.ord, v.numerator, v.denominator, v.value
FROM metric_values v
JOIN metric_catalog c USING (metric)
WHERE v.period BETWEEN $1 AND $2
  AND v.unit_code IN (SELECT unnest($3::VARCHAR[]))
  AND c.family NOT IN ('assessment', 'parks');
