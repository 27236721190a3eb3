-- Fact source `rectification` (晋位升级): one row per unit and month M whose
-- accepted form answers 是否软弱涣散党组织 (the answer weak_org) with a valid
-- no, and whose latest earlier accepted form with a valid answer said yes.
-- Months in between without a valid answer are skipped, as the definition of
-- weak_orgs_rectified says.
CREATE OR REPLACE TEMP VIEW facts_rectification AS
WITH answered AS (
    SELECT s.period, s.unit_code, a.yes AS weak
    FROM submission_status s
    JOIN form_answers a ON a.sha256 = s.sha256 AND a.key = 'weak_org' AND a.valid
    WHERE s.status = 'accepted'
), history AS (
    SELECT period, unit_code, weak,
           lag(weak) OVER (PARTITION BY unit_code ORDER BY period) AS was_weak
    FROM answered
)
SELECT period, unit_code FROM history WHERE was_weak AND NOT weak;
