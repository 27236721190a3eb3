-- The units of fact_units (refresh_scope.sql) written as SQL string
-- literals, for in_fact_units' IN list (warehouse/run.go, inlineFactUnits):
-- NULL when the variable is NULL (every unit), '' for none.
SELECT CASE WHEN getvariable('fact_units') IS NULL THEN NULL
    ELSE array_to_string(list_transform(getvariable('fact_units'), u -> '''' || replace(u, '''', '''''') || ''''), ', ') END;
