-- The lake's metric_facts: the additive facts per reporting unit (village or
-- community) and month that every figure above is a sum of, as the city
-- decided them. A reporting unit has nothing below it, so its own rows of
-- metric_values are exactly the sums of its facts (0/0 included); a count's
-- denominator is 0, as in the warehouse's metric_facts. Medians are not
-- additive: request_days carries them.
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT v.period, v.unit_code, v.metric, v.numerator, coalesce(v.denominator, 0) AS denominator
FROM metric_values v
JOIN metric_catalog c USING (metric)
WHERE v.level IN ('village', 'community', 'park') AND c.kind <> 'median';
