-- Every issue of every file that is a form (ignored files excluded), with the
-- file's status, for the villages' feedback workbooks: of every form when $1
-- is NULL, else of the forms whose path || chr(0) || sha256 is in the list $1
-- and whose sha256 is in the list $2 (the same forms' contents: the
-- feedback workbooks a night rewrites). Ordered by file, then the reader's
-- order; the workbook sorts by sheet and cell itself (F9 before F10, which
-- SQL's string order would not give).
--
-- Straight from submission_status and files rather than the submissions
-- view, which counts every form's issues first, and with the contents' list
-- tested in both scans, where a constant list is cheap: the issues of a
-- night's 200 forms came back in 0.3 s of a 12-month warehouse before,
-- 20 ms now.
WITH wanted AS (
    SELECT s.path, s.sha256, s.unit_code, s.period, s.status, s.received_at
    FROM submission_status s
    JOIN files fl USING (path, sha256)
    WHERE s.status <> 'ignored' AND fl.ignored IS NULL
      AND ($1::VARCHAR[] IS NULL
           OR list_contains($2::VARCHAR[], s.sha256) AND list_contains($1::VARCHAR[], s.path || chr(0) || s.sha256))
)
SELECT s.path, s.sha256, coalesce(s.unit_code, '') AS unit_code, coalesce(s.period, '') AS period,
       s.status, s.received_at,
       coalesce(i.sheet, '') AS sheet, coalesce(i.cell, '') AS cell, i.code, i.severity,
       coalesce(i.value, '') AS value, coalesce(i.message, '') AS message
FROM wanted s
JOIN issues i USING (path, sha256)
WHERE $2::VARCHAR[] IS NULL OR list_contains($2::VARCHAR[], i.sha256)
ORDER BY s.path, s.sha256, i.seq NULLS LAST, i.sheet, i.cell, i.code, i.severity, i.value, i.message;
