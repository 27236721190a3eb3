-- One lake's submissions ($1: the lake's name, $2: its files); the month
-- 'unknown' is NULL again.
INSERT INTO lake_submissions
SELECT $1, path, sha256, unit_code, nullif(period, 'unknown'), received_at, status,
       size, mtime, ignored, version, unit_name, rows_read, rows_rejected
FROM read_parquet($2::VARCHAR[], hive_partitioning = true, hive_types = {'period': VARCHAR});
