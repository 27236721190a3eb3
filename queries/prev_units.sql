-- The registry of the previous run, before this run replaces units and
-- unit_rows: what refresh_metric_changes.sql compares the new registry with.
-- Temporary.
CREATE OR REPLACE TEMP TABLE prev_units AS
SELECT code, name, level, parent_code FROM units;
CREATE OR REPLACE TEMP TABLE prev_unit_rows AS
SELECT code, name, level, parent_code, valid_from, valid_to, successor_code FROM unit_rows;
