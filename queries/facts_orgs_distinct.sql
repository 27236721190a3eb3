-- Fact source `orgs_distinct`: one row per distinct organization, a
-- (village, 党组织名称) pair of the `orgs` rows with an organization and a
-- name, in the form's month.
--   org_name    the name as the form spells it
--   how_formed  its first row's way of forming (单独组建, 联合组建 or NULL)
--   rows        how many rows name it
CREATE OR REPLACE TEMP VIEW facts_orgs_distinct AS
SELECT period, unit_code, org_name, arg_min(how_formed, row) AS how_formed, count(*) AS rows
FROM facts_orgs
WHERE has_org AND org_name IS NOT NULL AND org_name <> ''
GROUP BY period, unit_code, org_name;
