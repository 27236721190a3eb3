-- The status of every (path, content) ever seen, per docs/form.md: a form is
-- rejected for its own file-level issues or for a code the registry lacks as
-- a reporting unit of the form's kind valid in the form's month (a village or
-- community for a village form, a park for a park form: unknown_code,
-- unit_inactive or wrong_form, refresh_derived_issues.sql; checked again on
-- every run: known is false for all three); among the others, the
-- latest received per (unit, period) is accepted, ties broken by the path
-- that sorts later as UTF-8 bytes; the rest are superseded.
--
-- Only the rows that differ are written: (path, sha256) is unique (as in
-- files), so the rows no longer as computed go by their key and the new or
-- changed ones come in. Writing all of them every night
-- (130,000 at 10,000 units × 12 months) put 20 MB in the write-ahead log
-- and in the checkpoint that follows, for a night that changes a few
-- hundred.
--
-- Only the groups (unit, month) that this run's files touch are computed
-- again, unless the registry changed (known), or the SQL (runs.flags_basis
-- differs from the previous run's, or there is none): a status depends on
-- the registry and on the files and forms of its own group, and a file whose
-- row this run wrote (new, or with a new receipt time or reason to be
-- ignored: files_update.sql, files_insert.sql) has last_seen_run = this run;
-- the files listed unchanged are not even handed over (Run.AddFile). Every
-- file of a touched group is taken, so that its ranking is whole. Computing
-- all 130,000 statuses of a year took 0.15 s of every night.
SET VARIABLE status_full = getvariable('registry_changed')
    OR NOT coalesce((SELECT p.flags_basis = c.flags_basis FROM this_run c, prev_run p), false);

CREATE OR REPLACE TEMP TABLE submission_status_new AS
WITH touched AS (
    SELECT DISTINCT fo.unit_code, fo.period
    FROM files fl JOIN forms fo USING (sha256)
    WHERE fl.last_seen_run = getvariable('run_id')
), f AS (
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
    WHERE getvariable('status_full')
       OR fl.last_seen_run = getvariable('run_id')
       -- the contents of the touched groups as a list to look up: a test
       -- on each file's (unit, month) made every file probe the groups
       -- (53-79 ms a night against 33-34)
       OR fl.sha256 IN (SELECT sha256 FROM forms SEMI JOIN touched USING (unit_code, period))
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

-- The stored rows of the files computed again (every file when full): the
-- others are as they were.
CREATE OR REPLACE TEMP TABLE submission_status_old AS
FROM submission_status SEMI JOIN submission_status_new USING (path, sha256);

-- The submissions whose status or receipt time changed, with their unit
-- and month and whether their status changed: what refresh_scope.sql,
-- refresh_reporting_status.sql, refresh_metric_changes.sql and
-- refresh_feedback_buckets.sql start from. A row not computed again is as it
-- was, and no stored row goes away (a file once seen keeps its row), so
-- these are all of them. A form's unit and month never change under its
-- sha256, nor do its request rows. Temporary.
CREATE OR REPLACE TEMP TABLE changed_submissions AS
SELECT path, sha256, coalesce(n.unit_code, o.unit_code) AS unit_code, coalesce(n.period, o.period) AS period,
       n.status IS DISTINCT FROM o.status AS status_changed
FROM submission_status_new n
FULL JOIN submission_status_old o USING (path, sha256)
WHERE n.status IS DISTINCT FROM o.status OR n.received_at IS DISTINCT FROM o.received_at;

-- Whether a (month, unit) of changed_submissions has as its accepted form
-- one that an earlier run loaded (orgs_from_run, refresh_scope.sql): read
-- here, from the statuses just computed, where the same test on
-- submission_status and forms took 14 ms.
SET VARIABLE changed_accept_earlier = EXISTS (
    SELECT 1
    FROM submission_status_new n
    SEMI JOIN changed_submissions c ON c.period = n.period AND c.unit_code = n.unit_code
    WHERE n.status = 'accepted'
      AND n.sha256 NOT IN (SELECT sha256 FROM forms WHERE loaded_run = getvariable('run_id'))
);

CREATE OR REPLACE TEMP TABLE submission_status_in AS
FROM submission_status_new EXCEPT FROM submission_status_old;

DELETE FROM submission_status s
USING (FROM submission_status_old EXCEPT FROM submission_status_new) o
WHERE s.path = o.path AND s.sha256 = o.sha256;

INSERT INTO submission_status BY NAME FROM submission_status_in;
DROP TABLE submission_status_in;
DROP TABLE submission_status_old;
DROP TABLE submission_status_new;
