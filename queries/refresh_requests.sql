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
