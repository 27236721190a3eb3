-- Issues that depend on more than one workbook, on the registry or on the
-- receipt time, so that the reader alone cannot see them. Recomputed on every
-- run: a code added to the registry clears its unknown_code at once.
CREATE OR REPLACE TABLE derived_issues AS
-- A code the registry lacks as a village or community rejects the file.
SELECT s.path, s.sha256, fo.cover_sheet AS sheet, fo.code_cell AS cell,
       'unknown_code' AS code, 'file' AS severity, fo.unit_code AS value,
       '区划代码“' || fo.unit_code || '”不在名册中，请核对本村（社区）的12位统计用区划代码' AS message
FROM submission_status s JOIN forms fo USING (sha256)
WHERE NOT s.form_rejected AND NOT s.known AND s.status <> 'ignored'
UNION ALL
-- A period later than the month the file was received in still loads.
SELECT s.path, s.sha256, fo.cover_sheet, fo.period_cell,
       'period_after_receipt', 'warning', fo.period,
       '报告期' || fo.period || '晚于收到报表的月份' || strftime(timezone('Asia/Shanghai', s.received_at), '%Y-%m') || '，请核对报告期'
FROM submission_status s JOIN forms fo USING (sha256)
WHERE s.status IN ('accepted', 'superseded')
  AND fo.period > strftime(timezone('Asia/Shanghai', s.received_at), '%Y-%m')
UNION ALL
-- A later accepted form that lists a request with another requested-on date:
-- the later form's values win, and the clerk is told. Only requests listed
-- by two accepted forms or more can have changed; the window runs over those
-- (narrow rows), and paths and messages are made for the few that did.
SELECT s.path, s.sha256, f.requests_sheet, c.requested_on_cell,
       'request_changed_date', 'warning', strftime(c.requested_on, '%Y-%m-%d'),
       '单号“' || c.request_id || '”的点单日期由' || strftime(c.previous_on, '%Y-%m-%d')
           || '改为' || strftime(c.requested_on, '%Y-%m-%d') || '，请核对点单日期'
FROM (
    WITH listed AS (
        SELECT s.unit_code, s.period, r.sha256, r.request_id, r.requested_on, r.requested_on_cell
        FROM request_rows r
        JOIN submission_status s ON s.sha256 = r.sha256 AND s.status = 'accepted'
    ), relisted AS (
        SELECT unit_code, request_id FROM listed GROUP BY ALL HAVING count(*) > 1
    )
    SELECT l.sha256, l.request_id, l.requested_on, l.requested_on_cell,
           lag(l.requested_on) OVER (PARTITION BY l.unit_code, l.request_id ORDER BY l.period) AS previous_on
    FROM listed l SEMI JOIN relisted USING (unit_code, request_id)
) c
JOIN submission_status s ON s.sha256 = c.sha256 AND s.status = 'accepted'
JOIN forms f ON f.sha256 = c.sha256
WHERE c.previous_on IS NOT NULL AND c.previous_on <> c.requested_on;
