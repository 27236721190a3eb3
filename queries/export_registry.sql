-- The lake's registry: the registry the warehouse was computed with, every
-- row with the months it holds for (valid_from, valid_to: 'YYYY-MM', NULL
-- for always and still valid) and the successor of a unit whose row ends.
-- No month of its own.
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT NULL::VARCHAR AS period, * FROM unit_rows;
