-- Drop the changed-date warnings of the villages whose accepted forms changed.
DELETE FROM request_date_issues
WHERE unit_code IN (SELECT unit_code FROM requests_changed_units);
