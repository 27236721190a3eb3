-- Fact source `orgs`: one row per accepted 组织覆盖 row, in its form's month.
--   row         the row's number on the sheet
--   name, type  the covered unit and its type (居民小区, 两新组织,
--               农民专业合作社, 家庭农场)
--   has_org     是否建立党组织 is yes
--   how_formed  单独组建, 联合组建 or NULL
--   org_name, members, note
-- The rows are read from org_rows, or from run_org_rows (this run's rows,
-- made by every run's Begin) when refresh_scope.sql found that the facts
-- it recomputes need no other (orgs_from_run): the test is a constant, and
-- DuckDB reads only one.
CREATE OR REPLACE TEMP VIEW facts_orgs AS
SELECT s.period, s.unit_code, o.row, o.name, o.type, o.has_org, o.how_formed,
       o.org_name, o.members, o.note
FROM (
    FROM org_rows WHERE NOT coalesce(getvariable('orgs_from_run'), false)
    UNION ALL
    FROM run_org_rows WHERE coalesce(getvariable('orgs_from_run'), false)
) o
JOIN submission_status s ON s.sha256 = o.sha256 AND s.status = 'accepted';
