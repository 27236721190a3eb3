-- One lake's reporting_status ($1: the lake's name, $2: its files).
INSERT INTO lake_reporting_status
SELECT $1, period, unit_code, status, received_at, deadline, on_time, path, files, reason
FROM read_parquet($2::VARCHAR[], hive_partitioning = true, hive_types = {'period': VARCHAR});
