-- DuckDB's checkpoint: the write-ahead log's changes written into the
-- warehouse file (Warehouse.Checkpoint), which closing it would do anyway.
CHECKPOINT;
