-- units: one row per code of unit_rows, its latest (the row that starts
-- last; a row without valid_from starts first). For a registry without
-- valid_from and valid_to, units is the registry itself.
INSERT INTO units
SELECT code, name, level, parent_code
FROM unit_rows
QUALIFY row_number() OVER (PARTITION BY code ORDER BY coalesce(valid_from, '') DESC) = 1;
