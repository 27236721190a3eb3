-- Drop the effective requests of the villages whose accepted forms changed.
DELETE FROM requests_effective
WHERE unit_code IN (SELECT unit_code FROM requests_changed_units);
