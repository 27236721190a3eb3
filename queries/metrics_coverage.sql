-- Organization coverage of accepted forms, in the form's month: rows of each
-- unit type with and without a party organization, and distinct
-- (village, 党组织名称) pairs by how the organization was formed, taken from
-- its first row (an organization with no way of forming is in neither count).
INSERT INTO metric_facts
WITH rows AS (
    SELECT s.period, s.unit_code, o.*
    FROM org_rows o
    JOIN submission_status s ON s.sha256 = o.sha256 AND s.status = 'accepted'
), by_type AS (
    SELECT period, unit_code,
           CASE type WHEN '居民小区' THEN 'coverage_residential'
                     WHEN '两新组织' THEN 'coverage_enterprise'
                     WHEN '农民专业合作社' THEN 'coverage_cooperative'
                     WHEN '家庭农场' THEN 'coverage_family_farm' END AS metric,
           count(*) FILTER (WHERE has_org) AS numerator,
           count(*) AS denominator
    FROM rows GROUP BY ALL
), orgs AS (
    SELECT period, unit_code, org_name, arg_min(how_formed, row) AS how_formed
    FROM rows
    WHERE has_org AND org_name IS NOT NULL AND org_name <> ''
    GROUP BY ALL
)
SELECT period, unit_code, metric, numerator, denominator FROM by_type WHERE metric IS NOT NULL
UNION ALL
SELECT period, unit_code, 'coverage_all', count(*) FILTER (WHERE has_org), count(*) FROM rows GROUP BY ALL
UNION ALL
SELECT period, unit_code,
       CASE how_formed WHEN '单独组建' THEN 'orgs_standalone' ELSE 'orgs_joint' END,
       count(*), 0
FROM orgs WHERE how_formed IN ('单独组建', '联合组建') GROUP BY ALL;
