-- Meetings of accepted forms. The reader already dropped meetings dated
-- outside their form's month (meeting_out_of_period), so each counts once.
CREATE OR REPLACE TABLE meetings_effective AS
SELECT s.unit_code, s.period AS form_period, m.*
FROM meeting_rows m
JOIN submission_status s ON s.sha256 = m.sha256 AND s.status = 'accepted';
