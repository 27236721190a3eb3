-- The registry of the previous run, before this run replaces units: what
-- refresh_metric_changes.sql compares the new registry with. Temporary.
CREATE OR REPLACE TEMP TABLE prev_units AS
SELECT code, name, level, parent_code FROM units;
