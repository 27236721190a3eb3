-- One row per content that a city read (the submissions view's version,
-- unit name and row counts). No cover values: the lake does not carry them.
INSERT INTO forms (sha256, rejected, version, unit_code, unit_name, period, rows_read, rows_rejected, loaded_run)
SELECT sha256, bool_or(status = 'rejected'), any_value(version), any_value(unit_code),
       any_value(unit_name), any_value(period), any_value(rows_read), any_value(rows_rejected),
       getvariable('run_id')
FROM lake_submissions
WHERE rows_read IS NOT NULL
GROUP BY sha256;
