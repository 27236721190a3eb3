-- unit_rows and units are written only when the registry differs from the
-- one in place: on most nights it is the same file, and replacing its rows
-- put 1 MB in the write-ahead log and the checkpoint for nothing.
-- (unit_tree, refresh_unit_tree.sql, is still built afresh in the run's
-- transaction: DuckDB's join orders over it and the run's temporary tables
-- were chosen with it so, and a committed one made the roll-up twice as
-- slow.)
SET VARIABLE registry_changed =
    EXISTS (FROM unit_rows_in EXCEPT ALL FROM unit_rows)
    OR EXISTS (FROM unit_rows EXCEPT ALL FROM unit_rows_in);

DELETE FROM unit_rows WHERE getvariable('registry_changed');
INSERT INTO unit_rows BY NAME FROM unit_rows_in WHERE getvariable('registry_changed');

-- units: one row per code of unit_rows, its latest (the row that starts
-- last; a row without valid_from starts first). For a registry without
-- valid_from and valid_to, units is the registry itself.
DELETE FROM units WHERE getvariable('registry_changed');
INSERT INTO units
SELECT code, name, level, parent_code
FROM unit_rows
WHERE getvariable('registry_changed')
QUALIFY row_number() OVER (PARTITION BY code ORDER BY coalesce(valid_from, '') DESC) = 1;
DROP TABLE unit_rows_in;
