DELETE FROM units;
DELETE FROM unit_rows;
