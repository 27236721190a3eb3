-- The most common problems in the forms, by code and severity: what to
-- explain to clerks at the next training.
SELECT code, severity, count(*) AS issues, count(DISTINCT path) AS files
FROM issues
GROUP BY code, severity
ORDER BY issues DESC, code, severity;
