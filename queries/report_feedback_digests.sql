-- One row per form with an issue (ignored files excluded): its file and
-- status, and the md5 of its issues in the reader's order (each issue's
-- fields joined by U+001F, issues by U+001E), so that a night tells which
-- feedback workbooks changed without reading every issue back. The order and
-- the fields are report_feedback_issues.sql's, and pipeline/report computes
-- the same digest from those rows (issuesDigest).
SELECT s.path, s.sha256, coalesce(s.unit_code, '') AS unit_code, coalesce(s.period, '') AS period,
       s.status, s.received_at,
       md5(string_agg(concat_ws(chr(31), coalesce(i.sheet, ''), coalesce(i.cell, ''), i.code, i.severity,
                                coalesce(i.value, ''), coalesce(i.message, '')), chr(30)
           ORDER BY i.seq NULLS LAST, i.sheet, i.cell, i.code, i.severity, i.value, i.message)) AS issues_md5
FROM submissions s
JOIN issues i USING (path, sha256)
WHERE s.status <> 'ignored' AND s.ignored IS NULL
GROUP BY s.path, s.sha256, s.unit_code, s.period, s.status, s.received_at
ORDER BY s.path, s.sha256;
