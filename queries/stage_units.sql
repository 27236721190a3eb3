-- The registry as read this run arrives in unit_rows_in (loadRegistry,
-- run.go); load_units.sql puts it in place.
CREATE OR REPLACE TEMP TABLE unit_rows_in AS FROM unit_rows LIMIT 0;
