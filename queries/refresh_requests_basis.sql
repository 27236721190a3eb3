-- The accepted forms that requests_effective now reflects, for the next
-- refresh to compare with: those of the villages whose accepted forms
-- changed are replaced (the others' are the same).
CREATE OR REPLACE TEMP TABLE requests_basis_units AS
SELECT unit_code FROM requests_changed_units
UNION
SELECT unit_code FROM requests_swaps;

DELETE FROM requests_basis WHERE unit_code IN (SELECT unit_code FROM requests_basis_units);
INSERT INTO requests_basis
SELECT unit_code, sha256 FROM submission_status
WHERE status = 'accepted' AND unit_code IN (SELECT unit_code FROM requests_basis_units);
