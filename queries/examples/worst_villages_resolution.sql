-- The ten villages and communities with the lowest resolution rate (办结率)
-- in the newest month, with their township; units with no requests are left
-- out (their rate has no value).
WITH latest AS (SELECT max(period) AS period FROM metric_values)
SELECT m.unit_code, m.unit_name, t.name AS township,
       m.numerator AS resolved, m.denominator AS requests, round(m.value, 4) AS resolution_rate
FROM metric_values m
JOIN latest USING (period)
JOIN units u ON u.code = m.unit_code
JOIN units t ON t.code = u.parent_code
WHERE m.metric = 'resolution_rate' AND m.level IN ('village', 'community') AND m.value IS NOT NULL
ORDER BY m.value, m.denominator DESC, m.unit_code
LIMIT 10;
