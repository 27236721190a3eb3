-- Fact source `requests`: one row per deduplicated request (requests_effective),
-- in the month of its 点单日期, whichever form listed it last.
--   request_id    单号
--   requested_on, dispatched_on, accepted_on, resolved_on   the dates (DATE;
--                 resolved_on NULL when invalid or before requested_on)
--   days          resolved_on − requested_on in days, NULL without resolved_on
--   state         办理状态: 未受理, 办理中, 已办结 …
--   dispute       是否矛盾纠纷 (BOOLEAN, NULL when not answered)
--   mediation     调处结果 (调处成功 …), rating 评单结果 (满意, 基本满意,
--                 不满意, 未评价 or NULL), category 诉求类别
-- Residents' names and phones are not among the columns.
CREATE OR REPLACE TEMP VIEW facts_requests AS
SELECT strftime(requested_on, '%Y-%m') AS period, unit_code, request_id,
       requested_on, dispatched_on, accepted_on, resolved_on,
       date_diff('day', requested_on, resolved_on) AS days,
       state, dispute, mediation, rating, category
FROM requests_effective;
