-- The cover sheet of accepted forms. Denominator: reporting units of the
-- month. An empty or invalid field stays in the denominator and does not
-- count in the numerator.
INSERT INTO metric_facts
SELECT s.period, s.unit_code, m.metric, m.numerator, 1
FROM submission_status s
JOIN forms f USING (sha256),
LATERAL (VALUES
    ('council_coverage',  CASE WHEN f.council THEN 1 ELSE 0 END),
    ('group_coverage',    CASE WHEN f.groups >= 1 THEN 1 ELSE 0 END),
    ('one_shoulder_rate', CASE WHEN f.one_shoulder THEN 1 ELSE 0 END)
) AS m(metric, numerator)
WHERE s.status = 'accepted';
