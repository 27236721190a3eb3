-- The lake's metric_values (docs/lake.md): the public view as it is. Every
-- export_<table>.sql fills lake_stage with the rows of one lake table and a
-- period column ('YYYY-MM', 'unknown', or NULL for a table without months),
-- which becomes the folder period=… and is not stored in the files.
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT * FROM metric_values;
