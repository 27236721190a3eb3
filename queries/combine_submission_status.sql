-- In place of refresh_submission_status.sql: every file's status as its city
-- decided it (never decided again here).
CREATE OR REPLACE TABLE submission_status AS
SELECT s.lake || '/' || s.path AS path, s.sha256, s.unit_code, s.period, s.received_at,
       s.status = 'rejected' AS form_rejected,
       s.unit_code IN (SELECT code FROM units WHERE level IN ('village', 'community', 'park')) AS known,
       s.status
FROM lake_submissions s;

-- Every submission is new to this warehouse (a combine fills an empty one),
-- so every one changed (refresh_submission_status.sql).
CREATE OR REPLACE TEMP TABLE changed_submissions AS
SELECT path, sha256, unit_code, period, true AS status_changed FROM submission_status;
