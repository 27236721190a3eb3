-- The columns of the staged lake table, as the files hold them (period is
-- the folder's name, not a column of the files).
SELECT column_name, column_type FROM (DESCRIBE lake_stage) WHERE column_name <> 'period';
