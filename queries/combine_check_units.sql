-- Units of the lakes' facts that the registry does not hold as a village or
-- community: their figures would have nowhere to roll up to. The first few,
-- for the error. (A lake's requests are of its reporting units: facts and
-- reporting status name them all.)
SELECT unit_code, list(DISTINCT lake ORDER BY lake) AS lakes, count(*) OVER () AS total
FROM (
    SELECT lake, unit_code FROM lake_reporting_status
    UNION
    SELECT lake, unit_code FROM lake_metric_facts
)
WHERE unit_code NOT IN (SELECT code FROM units WHERE level IN ('village', 'community', 'park'))
GROUP BY unit_code
ORDER BY unit_code
LIMIT 5;
