-- Which forms were rejected, and why (the file-level issues), newest first.
SELECT s.path, s.unit_code, s.period, s.received_at, i.code, i.message
FROM submissions s
JOIN issues i ON i.path = s.path AND i.sha256 = s.sha256 AND i.severity = 'file'
WHERE s.status = 'rejected'
ORDER BY s.received_at DESC, s.path, i.code;
