-- One unit's months as reported (metric_values: the hierarchy of each
-- month) and along today's hierarchy (metric_values_current), side by side
-- (replace the code). After a merge, the successor's "today" figures include
-- the merged village's months; a month in which the unit did not exist yet
-- has no "as reported" figures.
SELECT c.period,
       max(r.numerator) FILTER (WHERE c.metric = 'requests_total')        AS requests_as_reported,
       max(c.numerator) FILTER (WHERE c.metric = 'requests_total')        AS requests_today,
       max(r.numerator) FILTER (WHERE c.metric = 'reporting_rate')        AS reported_as_reported,
       max(r.denominator) FILTER (WHERE c.metric = 'reporting_rate')      AS expected_as_reported,
       max(c.numerator) FILTER (WHERE c.metric = 'reporting_rate')        AS reported_today,
       max(c.denominator) FILTER (WHERE c.metric = 'reporting_rate')      AS expected_today
FROM metric_values_current c
LEFT JOIN metric_values r USING (period, unit_code, metric)
WHERE c.unit_code = '450109100201'
  AND c.metric IN ('requests_total', 'reporting_rate')
GROUP BY c.period
ORDER BY c.period;
