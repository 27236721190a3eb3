-- Fact source `enterprises`: one row per 企业名册 row of an accepted park
-- form, in the form's month.
--   name, credit_code (valid codes only), kind   企业名称, 统一社会信用代码, 企业类型
--   workers, party_members, model_posts           职工人数, 党员人数, 党员示范岗数 (BIGINT)
--   has_org, paired                               是否建立党组织, 是否结对共建 (BOOLEAN)
--   how_formed                                    单独组建, 联合组建 or 孵化培育
--   org_name                                      党组织名称
CREATE OR REPLACE TEMP VIEW facts_enterprises AS
SELECT s.period, s.unit_code, e.name, e.credit_code, e.kind, e.workers, e.party_members,
       e.has_org, e.how_formed, e.org_name, e.paired, e.model_posts
FROM enterprise_rows e
JOIN submission_status s ON s.sha256 = e.sha256 AND s.status = 'accepted';
