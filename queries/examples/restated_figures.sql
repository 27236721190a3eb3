-- Figures of earlier months that the latest run changed (restatements: the
-- run summary's "restated" line), before and after, with what changed them:
-- the files (paths as in submissions), 'registry' or 'settings'.
SELECT c.period, c.unit_code, u.name AS unit_name, c.metric,
       c.old_numerator, c.old_denominator, c.new_numerator, c.new_denominator, c.cause
FROM metric_changes c
LEFT JOIN units u ON u.code = c.unit_code
WHERE c.run_id = (SELECT max(run_id) FROM runs)
  AND c.period < (SELECT max(period) FROM submissions WHERE status = 'accepted')
  AND (c.old_numerator IS NOT NULL OR c.old_denominator IS NOT NULL)
ORDER BY c.period, c.unit_code, c.metric;
