-- Issues that depend on more than one workbook, on the registry or on the
-- receipt time, so that the reader alone cannot see them. Recomputed on every
-- run: a code added to the registry clears its unknown_code at once.
CREATE OR REPLACE TABLE derived_issues AS
-- The requests counted in a month after their own (request_before_unit,
-- below), first and apart: none without months, and the joins that give
-- them their cells then start from these few rows (planned with the rest,
-- they once started from request_rows and took half a second a night).
-- The forms whose code the registry checks (unknown): every form read but
-- one that the reader rejected for anything other than a missing sheet (a code the
-- reader could not read, a damaged file …). The registry's checks come
-- before the required sheets (docs/form.md): a form both missing a sheet
-- and carrying an unknown code, or a code of the other form's kind, is
-- told about the code, and the issues view leaves its missing_sheet out.
-- The three checks of the registry start from the few submissions whose
-- code it does not know (NOT known, refresh_submission_status.sql), picked
-- first: planned with forms, each branch joined all 120,000 forms of a year
-- before filtering (30 ms each).
WITH unknown AS MATERIALIZED (
    SELECT s.path, s.sha256
    FROM submission_status s
    WHERE NOT s.known AND s.status <> 'ignored'
      AND (NOT s.form_rejected
           OR NOT EXISTS (SELECT 1 FROM form_issues i
                          WHERE i.sha256 = s.sha256 AND i.severity = 'file' AND i.code <> 'missing_sheet'))
), unknown_forms AS MATERIALIZED (
    SELECT s.path, fo.*
    FROM unknown s JOIN forms fo USING (sha256)
), founded AS MATERIALIZED (
    SELECT code, first_from FROM unit_first WHERE first_from > '0000-00'
), before_unit AS MATERIALIZED (
    SELECT e.unit_code, e.form_period, e.request_id, e.requested_on, u.first_from
    FROM requests_effective e
    JOIN founded u ON u.code = e.unit_code
    WHERE e.unit_code IN (SELECT code FROM founded) -- a plain test first: strftime on every request costs 0.1 s
      AND strftime(e.requested_on, '%Y-%m') < u.first_from
)
-- A code the registry lacks as a reporting unit (village, community, park)
-- rejects the file.
SELECT fo.path, fo.sha256, fo.cover_sheet AS sheet, fo.code_cell AS cell,
       'unknown_code' AS code, 'file' AS severity, fo.unit_code AS value,
       CASE WHEN fo.form_kind = 'park'
            THEN '单位代码“' || fo.unit_code || '”不在名册的园区中，请核对本单位的12位代码'
            ELSE '区划代码“' || fo.unit_code || '”不在名册中，请核对本村（社区）的12位统计用区划代码' END AS message
FROM unknown_forms fo
WHERE fo.unit_code NOT IN (SELECT code FROM unit_rows WHERE level IN ('village', 'community', 'park'))
UNION ALL
-- A reporting unit valid in the form's month, but of the other kind: a
-- park's code on a village form, a village's on a park form.
SELECT fo.path, fo.sha256, fo.cover_sheet, fo.code_cell,
       'wrong_form', 'file', fo.unit_code,
       CASE WHEN fo.form_kind = 'park'
            THEN '“' || u.name || '”（' || fo.unit_code || '）是村（社区），应填报村（社区）月报表，不是园区月报表'
            ELSE '“' || u.name || '”（' || fo.unit_code || '）是园区，应填报园区两新组织党建月报表，不是村（社区）月报表' END
FROM unknown_forms fo
JOIN unit_rows u ON u.code = fo.unit_code AND u.level IN ('village', 'community', 'park')
 AND fo.period BETWEEN coalesce(u.valid_from, '0000-00') AND coalesce(u.valid_to, '9999-99')
WHERE fo.period IS NOT NULL
UNION ALL
-- A village or community of the registry with no row valid in the form's
-- month (merged, moved away or not yet founded) rejects the file too.
SELECT fo.path, fo.sha256, fo.cover_sheet, fo.code_cell,
       'unit_inactive', 'file', fo.unit_code,
       '名册中“' || u.name || '”（' || fo.unit_code || '）在报告期' || fo.period || '不是有效的村（社区）'
       || CASE WHEN u.successor_code IS NOT NULL AND fo.period > u.valid_to
               THEN '（' || u.valid_to || '后已并入“' || coalesce(su.name, u.successor_code) || '”，区划代码' || u.successor_code || '）'
               WHEN fo.period < u.first_from THEN '（' || u.first_from || '起设立）'
               ELSE '' END
       || '，请核对区划代码和报告期'
FROM unknown_forms fo
JOIN (SELECT *, min(coalesce(valid_from, '0000-00')) OVER (PARTITION BY code) AS first_from
      FROM unit_rows WHERE level IN ('village', 'community', 'park')
      QUALIFY row_number() OVER (PARTITION BY code ORDER BY coalesce(valid_from, '') DESC) = 1) u
  ON u.code = fo.unit_code
LEFT JOIN units su ON su.code = u.successor_code
WHERE NOT EXISTS (SELECT 1 FROM unit_rows v WHERE v.code = fo.unit_code
                  AND fo.period BETWEEN coalesce(v.valid_from, '0000-00') AND coalesce(v.valid_to, '9999-99'))
UNION ALL
-- A period later than the month the file was received in still loads: a
-- file received before its period's first day (Asia/Shanghai). Compared
-- with each period's first instant, not by formatting every receipt time
-- (50 ms a night at 120,000 submissions), and joined to forms after.
SELECT s.path, s.sha256, fo.cover_sheet, fo.period_cell,
       'period_after_receipt', 'warning', fo.period,
       '报告期' || fo.period || '晚于收到报表的月份' || strftime(timezone('Asia/Shanghai', s.received_at), '%Y-%m') || '，请核对报告期'
FROM (SELECT s.path, s.sha256, s.received_at
      FROM submission_status s
      JOIN (SELECT DISTINCT period, timezone('Asia/Shanghai', try_strptime(period, '%Y-%m')) AS first_instant
            FROM submission_status WHERE status IN ('accepted', 'superseded')) p USING (period)
      WHERE s.status IN ('accepted', 'superseded') AND s.received_at < p.first_instant) s
JOIN forms fo USING (sha256)
UNION ALL
-- Requests relisted with another requested-on date (kept per content in
-- request_date_issues), at the path each accepted content has now.
SELECT s.path, s.sha256, d.sheet, d.cell, 'request_changed_date', 'warning', d.value, d.message
FROM request_date_issues d
JOIN submission_status s ON s.sha256 = d.sha256 AND s.status = 'accepted'
UNION ALL
-- A request whose requested-on month precedes the first month in which the
-- unit that lists it is valid (a new village carrying an old village's open
-- request) counts in that first month: a warning on the accepted form that
-- gives the request its values.
SELECT s.path, s.sha256, fo.requests_sheet, r.requested_on_cell,
       'request_before_unit', 'warning', strftime(r.requested_on, '%Y-%m-%d'),
       '点单日期' || strftime(r.requested_on, '%Y-%m-%d') || '早于本村（社区）在名册中设立的月份' || e.first_from
       || '，该诉求计入' || e.first_from
FROM before_unit e
JOIN submission_status s ON s.unit_code = e.unit_code AND s.period = e.form_period AND s.status = 'accepted'
JOIN forms fo ON fo.sha256 = s.sha256
JOIN request_rows r ON r.sha256 = s.sha256 AND r.request_id = e.request_id AND r.requested_on = e.requested_on;
