-- prev_metric_values.sql when only some figures are recomputed (refresh_scope.sql):
-- the previous figures of refresh_groups, copied aside and deleted.
CREATE OR REPLACE TEMP TABLE prev_metric_values AS
FROM metric_values_t SEMI JOIN refresh_groups USING (period, unit_code);
DELETE FROM metric_values_t v USING refresh_groups g
WHERE v.period = g.period AND v.unit_code = g.unit_code;
