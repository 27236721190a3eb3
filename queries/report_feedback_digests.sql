-- One row per form with an issue (ignored files excluded): its file and
-- status, and the md5 of its issues (issue_digests, kept by the warehouse:
-- refresh_issue_digests.sql), so that a night tells which feedback
-- workbooks changed without reading every issue back. pipeline/report
-- computes the same digest from report_feedback_issues.sql's rows
-- (issuesDigest). In the order feedbackNames (feedback.go) takes them in:
-- accepted, then superseded, then rejected, the latest received first, then
-- by path and content (as bytes), so that Go need not sort 100,000 again.
-- All of them when $1 is NULL, else those whose content's first 3 hex
-- digits are in the list $1 (report_feedback_buckets.sql).
SELECT s.path, s.sha256, coalesce(s.unit_code, '') AS unit_code, coalesce(s.period, '') AS period,
       s.status, s.received_at, d.issues_md5
FROM submission_status s
JOIN files fl USING (path, sha256)
JOIN issue_digests d USING (path, sha256)
WHERE s.status <> 'ignored' AND fl.ignored IS NULL
  AND ($1::VARCHAR[] IS NULL OR left(s.sha256, 3) IN (SELECT unnest($1::VARCHAR[])))
ORDER BY CASE s.status WHEN 'superseded' THEN 1 WHEN 'rejected' THEN 2 ELSE 0 END,
         s.received_at DESC, s.path, s.sha256;
