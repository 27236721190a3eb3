-- The months that metric_values covers: every month with an accepted form or
-- with a counted request or meeting.
CREATE OR REPLACE TABLE metric_periods AS
SELECT period FROM submission_status WHERE status = 'accepted'
UNION
SELECT strftime(requested_on, '%Y-%m') FROM requests_effective
UNION
SELECT strftime(date, '%Y-%m') FROM meetings_effective;
