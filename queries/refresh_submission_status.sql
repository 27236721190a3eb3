-- The status of every (path, content) ever seen, per docs/form.md: a form is
-- rejected for its own file-level issues or for a code the registry lacks as
-- a reporting unit of the form's kind valid in the form's month (a village or
-- community for a village form, a park for a park form: unknown_code,
-- unit_inactive or wrong_form, refresh_derived_issues.sql; checked again on
-- every run: known is false for all three); among the others, the
-- latest received per (unit, period) is accepted, ties broken by the path
-- that sorts later as UTF-8 bytes; the rest are superseded.
--
-- Computed whole, but only the rows that differ are written: (path, sha256)
-- is unique (as in files), so the rows no longer as computed go by their
-- key and the new or changed ones come in. Writing all of them every night
-- (130,000 at 10,000 units × 12 months) put 20 MB in the write-ahead log
-- and in the checkpoint that follows, for a night that changes a few
-- hundred.
CREATE OR REPLACE TEMP TABLE submission_status_new AS
WITH f AS (
    SELECT fl.path, fl.sha256, fl.received_at, fl.ignored,
           fo.unit_code, fo.period,
           coalesce(fo.rejected, false) AS form_rejected,
           fo.sha256 IS NOT NULL AS was_read,
           coalesce(EXISTS (
               SELECT 1 FROM unit_rows u
               WHERE u.code = fo.unit_code
                 AND CASE WHEN fo.form_kind = 'park' THEN u.level = 'park'
                          ELSE u.level IN ('village', 'community') END
                 AND fo.period BETWEEN coalesce(u.valid_from, '0000-00') AND coalesce(u.valid_to, '9999-99')
           ), false) AS known
    FROM files fl
    LEFT JOIN forms fo USING (sha256)
), pre AS (
    SELECT *,
           CASE WHEN ignored IS NOT NULL OR NOT was_read THEN 'ignored'
                WHEN form_rejected OR NOT known THEN 'rejected' END AS settled
    FROM f
)
SELECT path, sha256, unit_code, period, received_at, form_rejected, known,
       coalesce(settled,
                CASE WHEN row_number() OVER (
                         PARTITION BY unit_code, period, settled IS NULL
                         ORDER BY received_at DESC, path DESC) = 1
                     THEN 'accepted' ELSE 'superseded' END) AS status
FROM pre;

CREATE OR REPLACE TEMP TABLE submission_status_in AS
FROM submission_status_new EXCEPT FROM submission_status;

DELETE FROM submission_status s
USING (FROM submission_status EXCEPT FROM submission_status_new) o
WHERE s.path = o.path AND s.sha256 = o.sha256;

INSERT INTO submission_status BY NAME FROM submission_status_in;
DROP TABLE submission_status_in;
DROP TABLE submission_status_new;
