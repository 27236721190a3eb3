-- After the metric steps: the facts they computed for the units and months
-- that a lake holds give way to the lake's own (combine_facts.sql), since a
-- combined warehouse has the cities' decisions but not their forms' cover
-- answers or organization rows. What stays is the facts of the units no
-- lake holds (not reporting: 0 of 1).
DELETE FROM metric_facts f
WHERE EXISTS (SELECT 1 FROM lake_metric_facts l WHERE l.period = f.period AND l.unit_code = f.unit_code)
   OR EXISTS (SELECT 1 FROM lake_reporting_status l WHERE l.period = f.period AND l.unit_code = f.unit_code);
