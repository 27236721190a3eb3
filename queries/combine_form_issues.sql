-- The reader's issues of each content, once per content (a content seen
-- under two paths has its issues listed under both in the lake).
INSERT INTO form_issues
SELECT sha256, seq, coalesce(sheet, ''), coalesce(cell, ''), code, severity,
       coalesce(value, ''), coalesce(message, '')
FROM lake_issues
WHERE seq IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY sha256, seq ORDER BY lake, path) = 1;
