-- The facts this run recomputes (refresh_scope.sql, in_fact_scope and, by
-- the source of each metric, in_source_scope) give way to the new ones that
-- the metric definitions' statements insert next. A metric the catalog no
-- longer has (the definitions changed: every figure is recomputed) has no
-- source, and its facts go. The sources as a constant map.
SET VARIABLE metric_sources = (SELECT map(list(metric), list(source)) FROM metric_catalog);

DELETE FROM metric_facts
WHERE in_fact_scope(period, unit_code)
  AND in_source_scope(coalesce(getvariable('metric_sources')[metric], ''), period, unit_code);
