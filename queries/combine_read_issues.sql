-- One lake's issues ($1: the lake's name, $2: its files).
INSERT INTO lake_issues
SELECT $1, path, sha256, seq, sheet, cell, code, severity, value, message
FROM read_parquet($2::VARCHAR[], hive_partitioning = true, hive_types = {'period': VARCHAR});
