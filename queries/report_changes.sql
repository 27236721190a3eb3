-- The figures of months before the summary's month ($1) that the latest run
-- changed and that had a value before (restatements; a figure appearing for
-- the first time is not one), for the summary's 变化说明 sheet.
SELECT c.period, c.unit_code, coalesce(u.name, c.unit_code) AS unit_name, coalesce(u.level, '') AS level,
       cat.ord, c.old_numerator, c.old_denominator, c.new_numerator, c.new_denominator,
       coalesce(c.cause, '') AS cause
FROM metric_changes c
JOIN metric_catalog cat USING (metric)
LEFT JOIN units u ON u.code = c.unit_code
WHERE c.run_id = (SELECT max(run_id) FROM runs)
  AND c.period < $1
  AND (c.old_numerator IS NOT NULL OR c.old_denominator IS NOT NULL)
ORDER BY c.period, c.unit_code, cat.ord;
