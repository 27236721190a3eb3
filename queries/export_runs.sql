-- The lake's runs: the batches that built the warehouse (no month).
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT NULL::VARCHAR AS period, run_id, started_at, finished_at, files_seen, forms_read, status
FROM runs;
