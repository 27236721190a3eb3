-- request_months (schema.sql) and, for refresh_request_days.sql, the
-- requests of the villages whose effective requests this run wrote again
-- (requests_rewritten_units, refresh_requests.sql). Both are functions of
-- requests_effective alone, unit by unit, so the other units' rows stay as
-- they are; every unit's are computed again when there is no previous run
-- (a new warehouse, a combine) or the SQL changed (runs.flags_basis, as for
-- every figure): requests_full.
SET VARIABLE requests_full = NOT coalesce((SELECT p.flags_basis = c.flags_basis FROM this_run c, prev_run p), false);

-- A combine runs no refresh_requests.sql (its cities decided the
-- effective requests), and is always requests_full.
CREATE TEMP TABLE IF NOT EXISTS requests_changed_units (unit_code VARCHAR);
CREATE TEMP TABLE IF NOT EXISTS requests_rewritten_units (unit_code VARCHAR);
CREATE TEMP TABLE IF NOT EXISTS requests_swaps (unit_code VARCHAR, new_sha VARCHAR, old_sha VARCHAR);

-- The changed villages' effective requests, as narrow as request_months and
-- request_days need them: one scan of requests_effective for both, where
-- each scanned every request of a year (13.7 million at 10,000 villages,
-- 70 ms each). Temporary.
CREATE OR REPLACE TEMP TABLE requests_changed AS
SELECT unit_code, requested_on, resolved_on, state
FROM requests_effective
WHERE NOT getvariable('requests_full') AND unit_code IN (SELECT unit_code FROM requests_rewritten_units);

DELETE FROM request_months
WHERE getvariable('requests_full') OR unit_code IN (SELECT unit_code FROM requests_rewritten_units);

INSERT INTO request_months
SELECT DISTINCT unit_code, year(requested_on) * 100 + month(requested_on)
FROM requests_effective WHERE getvariable('requests_full')
UNION
SELECT DISTINCT unit_code, year(requested_on) * 100 + month(requested_on)
FROM requests_changed;
