-- Every unit's metrics for one month ($1), with the catalog's column number
-- (ord); for villages and communities not the 2023版 assessment's and the
-- parks' (their sheets, 考评 and 园区, show townships and parks only), which
-- are 0/0 or counts of the few units that answered: 17 of 38 figures of
-- each of 10,000 villages that no sheet shows. In no order: each row goes to
-- its own (unit, ord) place, and the 240,000 rows of 10,000 villages took
-- 70 ms sorted, 20 ms not.
SELECT v.unit_code, c.ord, v.numerator, v.denominator, v.value
FROM metric_values v
JOIN metric_catalog c USING (metric)
WHERE v.period = $1
  AND (c.family NOT IN ('assessment', 'parks') OR v.level NOT IN ('village', 'community'));
