-- The changed-date warnings of a form replaced by one with the same request
-- log (requests_swaps, refresh_requests.sql) are the new form's: the same
-- requests, dates and cells.
UPDATE request_date_issues d SET sha256 = w.new_sha
FROM requests_swaps w
WHERE d.unit_code = w.unit_code AND d.sha256 = w.old_sha;

-- A later accepted form that lists a request with another requested-on date:
-- the later form's values win, and the clerk is told, at the later form's
-- 点单日期 cell. Only for the villages whose accepted forms changed, and only
-- over requests listed by two accepted forms or more.
INSERT INTO request_date_issues
WITH listed AS (
    SELECT s.unit_code, s.period, r.sha256, r.request_id, r.requested_on, r.requested_on_cell
    FROM request_rows r
    JOIN submission_status s ON s.sha256 = r.sha256 AND s.status = 'accepted'
    WHERE s.unit_code IN (SELECT unit_code FROM requests_changed_units)
), relisted AS (
    SELECT unit_code, request_id FROM listed GROUP BY ALL HAVING count(*) > 1
), compared AS (
    SELECT l.*, lag(l.requested_on) OVER (PARTITION BY l.unit_code, l.request_id ORDER BY l.period) AS previous_on
    FROM listed l SEMI JOIN relisted USING (unit_code, request_id)
)
SELECT c.unit_code, c.sha256, f.requests_sheet, c.requested_on_cell,
       strftime(c.requested_on, '%Y-%m-%d'),
       '单号“' || c.request_id || '”的点单日期由' || strftime(c.previous_on, '%Y-%m-%d')
           || '改为' || strftime(c.requested_on, '%Y-%m-%d') || '，请核对点单日期'
FROM compared c
JOIN forms f ON f.sha256 = c.sha256
WHERE c.previous_on IS NOT NULL AND c.previous_on <> c.requested_on;
