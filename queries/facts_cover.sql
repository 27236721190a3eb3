-- Fact source `cover`: one row per accepted form, in its month: the answers
-- of its 基本信息. An empty or invalid answer is NULL. The view facts_cover
-- is this one (without sha256) with a column for each answer that the form
-- definitions keep in form_answers, named by its key, and <key>_asked
-- (warehouse/metrics.go, coverFacts).
--   version       the form version read (2021版, 2022版)
--   kind          单位类型
--   one_shoulder  书记是否“一肩挑” (BOOLEAN)
--   party_members, grids, grid_workers, groups   党员总数, 网格数,
--                 网格员数, 议事小组数 (BIGINT)
--   council       是否成立党群理事会 (BOOLEAN)
--   filled_on     填报日期 (DATE)
CREATE OR REPLACE TEMP VIEW facts_cover_forms AS
SELECT s.sha256, s.period, s.unit_code, f.version, f.kind, f.one_shoulder, f.party_members,
       f.grids, f.grid_workers, f.council, f.groups, f.filled_on
FROM submission_status s
JOIN forms f USING (sha256)
WHERE s.status = 'accepted';
