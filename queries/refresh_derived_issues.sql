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
-- Requests relisted with another requested-on date (kept per content in
-- request_date_issues), at the path each accepted content has now.
SELECT s.path, s.sha256, d.sheet, d.cell, 'request_changed_date', 'warning', d.value, d.message
FROM request_date_issues d
JOIN submission_status s ON s.sha256 = d.sha256 AND s.status = 'accepted';
