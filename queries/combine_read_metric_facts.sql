-- One lake's metric_facts ($1: the lake's name, $2: its files).
INSERT INTO lake_metric_facts
SELECT $1, period, unit_code, metric, numerator, denominator
FROM read_parquet($2::VARCHAR[], hive_partitioning = true, hive_types = {'period': VARCHAR});
