-- The lake's submissions: the public view, a file whose month could not be
-- read (a damaged or ignored file) under period 'unknown'.
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT * REPLACE (coalesce(period, 'unknown') AS period) FROM submissions;
