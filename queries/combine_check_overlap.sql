-- Units that two lakes both hold for the same month: their cities overlap,
-- and summing both would count the unit twice. The first few, for the error.
SELECT unit_code, period, list(DISTINCT lake ORDER BY lake) AS lakes, count(*) OVER () AS total
FROM (
    SELECT lake, period, unit_code FROM lake_reporting_status
    UNION
    SELECT lake, period, unit_code FROM lake_metric_facts
)
GROUP BY unit_code, period
HAVING count(DISTINCT lake) > 1
ORDER BY unit_code, period
LIMIT 5;
