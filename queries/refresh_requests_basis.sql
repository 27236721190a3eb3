-- The accepted forms that requests_effective now reflects, for the next
-- refresh to compare with.
CREATE OR REPLACE TABLE requests_basis AS
SELECT unit_code, sha256 FROM submission_status WHERE status = 'accepted';
