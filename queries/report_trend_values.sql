-- The general metrics (not the 2023版 assessment's and the parks', which
-- 总览 and 趋势 leave out) of the units whose workbook has a 趋势 sheet
-- (the registry's top unit and the townships of the summary's month $2)
-- for the months $1 to $2: 趋势 and 总览's last month. The other units'
-- figures of other months are shown nowhere, and a 12-month warehouse holds
-- twelve months of them. The units are every township and every unit
-- without a parent valid in $2, as report_units.sql lists them, picked here
-- rather than handed over from it: so the two queries run at once (a root
-- that is not the top unit costs a few rows). In no order, as
-- report_period_values.sql: each row has its own place.
SELECT v.period, v.unit_code, c.ord, v.numerator, v.denominator, v.value
FROM metric_values v
JOIN metric_catalog c USING (metric)
WHERE v.period BETWEEN $1 AND $2
  AND v.unit_code IN (SELECT code FROM unit_rows
                      WHERE $2 BETWEEN coalesce(valid_from, '0000-00') AND coalesce(valid_to, '9999-99')
                        AND (level = 'township' OR coalesce(parent_code, '') = ''))
  AND c.family NOT IN ('assessment', 'parks');
