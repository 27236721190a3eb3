-- Every issue of every file that is a form (ignored files excluded), with the
-- file's status, for the villages' feedback workbooks: of every form when $1
-- is NULL, else of the forms whose path || chr(0) || sha256 is in the list $1
-- (the feedback workbooks a night rewrites). Ordered by file, then the
-- reader's order; the workbook sorts by sheet and cell itself (F9 before
-- F10, which SQL's string order would not give).
SELECT s.path, s.sha256, coalesce(s.unit_code, '') AS unit_code, coalesce(s.period, '') AS period,
       s.status, s.received_at,
       coalesce(i.sheet, '') AS sheet, coalesce(i.cell, '') AS cell, i.code, i.severity,
       coalesce(i.value, '') AS value, coalesce(i.message, '') AS message
FROM submissions s
JOIN issues i USING (path, sha256)
WHERE s.status <> 'ignored' AND s.ignored IS NULL
  AND ($1::VARCHAR[] IS NULL OR list_contains($1::VARCHAR[], s.path || chr(0) || s.sha256))
ORDER BY s.path, s.sha256, i.seq NULLS LAST, i.sheet, i.cell, i.code, i.severity, i.value, i.message;
