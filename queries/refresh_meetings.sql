-- Meetings of accepted forms. The reader already dropped meetings dated
-- outside their form's month (meeting_out_of_period), so each counts once.
-- Temporary, like metric_facts: only this run's metrics read it.
CREATE OR REPLACE TEMP TABLE meetings_effective AS
SELECT s.unit_code, s.period AS form_period, m.*
FROM meeting_rows m
JOIN submission_status s ON s.sha256 = m.sha256 AND s.status = 'accepted';
