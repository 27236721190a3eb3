-- The villages whose requests must be recomputed: those whose set of
-- accepted forms changed since the last refresh (a new, corrected,
-- superseded or newly rejected form). A village's effective requests depend
-- only on that set, since a form's content and period never change under
-- its sha256. On a new warehouse every village is here.
CREATE OR REPLACE TEMP TABLE requests_changed_units AS
SELECT DISTINCT unit_code FROM (
    (SELECT unit_code, sha256 FROM submission_status WHERE status = 'accepted'
     EXCEPT
     SELECT unit_code, sha256 FROM requests_basis)
    UNION ALL
    (SELECT unit_code, sha256 FROM requests_basis
     EXCEPT
     SELECT unit_code, sha256 FROM submission_status WHERE status = 'accepted')
);

-- Their accepted forms, for refresh_requests_insert.sql.
CREATE OR REPLACE TEMP TABLE requests_changed_forms AS
SELECT s.sha256, s.unit_code, s.period
FROM submission_status s
WHERE s.status = 'accepted' AND s.unit_code IN (SELECT unit_code FROM requests_changed_units);
