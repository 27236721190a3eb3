-- The lake's metric_changes: the public view as it is.
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT * FROM metric_changes;
