-- The lake's metric_values_current: the public view as it is (exported only
-- when the warehouse has it).
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT * FROM metric_values_current;
