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

-- Their accepted forms, in parts for refresh_requests_insert.sql: as many
-- as the memory needs (8 when every village's forms come back, as on a
-- first load), one for a night's few villages, so that the insert does not
-- scan request_rows eight times for them.
CREATE OR REPLACE TEMP TABLE requests_changed_forms AS
WITH parts AS (
    SELECT least(8, greatest(1, ceil(count(*) / 1250)))::INTEGER AS n FROM requests_changed_units
)
SELECT s.sha256, s.unit_code, s.period, hash(s.unit_code) % (SELECT n FROM parts) AS part
FROM submission_status s
WHERE s.status = 'accepted' AND s.unit_code IN (SELECT unit_code FROM requests_changed_units);
