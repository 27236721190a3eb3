-- Fact source `visits`: one row per visit of an accepted park form's 走访服务,
-- in the form's month (a visit dated in another month is not stored).
--   date, enterprise, matter    走访日期, 企业名称, 事项类别
--   problems, solved            协调问题数, 已解决问题数 (BIGINT; both NULL
--                               unless both were valid and solved ≤ problems)
CREATE OR REPLACE TEMP VIEW facts_visits AS
SELECT s.period, s.unit_code, v.date, v.enterprise, v.matter, v.problems, v.solved
FROM visit_rows v
JOIN submission_status s ON s.sha256 = v.sha256 AND s.status = 'accepted';
