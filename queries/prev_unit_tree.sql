-- The previous run's unit tree (before refresh_unit_tree.sql): a unit that
-- moved changed the figures of the units it left. Temporary.
CREATE OR REPLACE TEMP TABLE prev_unit_tree AS
SELECT unit_code, ancestor_code, valid_from, valid_to FROM unit_tree;
