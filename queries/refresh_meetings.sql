-- Meetings of accepted forms, of the units whose facts this run computes
-- (in_fact_units, refresh_scope.sql): only
-- the meetings source of the metric definitions reads them. The reader
-- already dropped meetings dated outside their form's month
-- (meeting_out_of_period), so each counts once, in its form's month.
-- Temporary, like metric_facts' sources.
CREATE OR REPLACE TEMP TABLE meetings_effective AS
SELECT s.unit_code, s.period AS form_period, m.*
FROM meeting_rows m
JOIN submission_status s ON s.sha256 = m.sha256 AND s.status = 'accepted'
WHERE in_fact_units(s.unit_code);
