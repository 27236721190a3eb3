-- One month of the staged lake table (all of it for a table without months)
-- as one Parquet file, zstd-compressed, rows in a fixed order.
COPY (
    SELECT * EXCLUDE (period) FROM lake_stage
    WHERE coalesce(period, '') = (SELECT period FROM lake_target)
    ORDER BY ALL
) TO (getvariable('lake_out')) (FORMAT parquet, COMPRESSION zstd);
