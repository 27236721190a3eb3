-- Drop the effective requests of the villages whose requests are written
-- again (refresh_requests.sql).
DELETE FROM requests_effective
WHERE unit_code IN (SELECT unit_code FROM requests_rewritten_units);
