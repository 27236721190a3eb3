-- The status of every (path, content) ever seen, per docs/form.md: a form is
-- rejected for its own file-level issues or for a code the registry lacks as
-- a village or community valid in the form's month (unknown_code or
-- unit_inactive, refresh_derived_issues.sql; checked again on every run:
-- known is false for both); among the others, the
-- latest received per (unit, period) is accepted, ties broken by the path
-- that sorts later as UTF-8 bytes; the rest are superseded.
CREATE OR REPLACE TABLE submission_status AS
WITH f AS (
    SELECT fl.path, fl.sha256, fl.received_at, fl.ignored,
           fo.unit_code, fo.period,
           coalesce(fo.rejected, false) AS form_rejected,
           fo.sha256 IS NOT NULL AS was_read,
           coalesce(EXISTS (
               SELECT 1 FROM unit_rows u
               WHERE u.code = fo.unit_code AND u.level IN ('village', 'community')
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
