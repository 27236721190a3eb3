-- The facts this run recomputes (refresh_scope.sql, in_fact_scope) give way
-- to the new ones that the metric definitions' statements insert next.
DELETE FROM metric_facts WHERE in_fact_scope(period, unit_code);
