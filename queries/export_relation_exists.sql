-- Whether the warehouse has the table or view $1 (a warehouse that no run
-- has refreshed has no views yet; metric_values_current is newer than some
-- warehouses).
SELECT count(*) > 0 FROM (
    SELECT view_name AS name FROM duckdb_views() WHERE NOT internal
    UNION ALL
    SELECT table_name FROM duckdb_tables()
) WHERE name = $1;
