-- feedback_buckets: the forms of report_feedback_digests.sql (those with an
-- issue, ignored files excluded) in buckets by the first 3 hex digits of
-- their content's sha256, each with a digest of everything their feedback
-- workbooks are made from: each form's path, content, unit, month, status,
-- receipt time and issues' md5 (issue_digests), every text preceded by its
-- length so that no two forms read the same. A feedback workbook's name
-- carries the first 8 hex digits of its form's content, so two forms whose
-- names could meet are in one bucket. pipeline/report (writeFeedback) reads
-- back only the forms of the buckets whose digest differs from the one the
-- feedback manifest recorded.
--
-- The digest is the xor of the forms' md5s (both halves) with their count:
-- it needs no ordered aggregate (one string_agg ordered within each of
-- 4,096 groups ran out of 512MB at 100,000 forms). Forms are distinct (path
-- and content), so none cancels another out.
--
-- Computed again only for the buckets whose forms may have changed: those
-- of the submissions whose status or receipt time changed, new and gone ones
-- included (changed_submissions, refresh_scope.sql; an ignored file's status
-- is 'ignored'), and of the forms whose issues' digest was computed again
-- (issue_digest_scope, refresh_issue_digests.sql). A form's unit and month
-- never change under its content. Every bucket when the refresh is full or
-- the table is empty (a new warehouse, or one from before it).
SET VARIABLE feedback_all = (SELECT all_figures FROM refresh_mode) OR NOT EXISTS (SELECT 1 FROM feedback_buckets);

CREATE OR REPLACE TEMP TABLE feedback_bucket_scope AS
SELECT DISTINCT left(sha256, 3) AS bucket
FROM (SELECT sha256 FROM changed_submissions UNION ALL SELECT sha256 FROM issue_digest_scope);

DELETE FROM feedback_buckets
WHERE getvariable('feedback_all') OR bucket IN (SELECT bucket FROM feedback_bucket_scope);

-- The submissions of the buckets first (MATERIALIZED): planned with the
-- joins, the bucket test came after files and issue_digests were joined
-- whole (70-85 ms a night against 42-45).
INSERT INTO feedback_buckets
WITH scoped AS MATERIALIZED (
    SELECT path, sha256, unit_code, period, status, received_at
    FROM submission_status
    WHERE status <> 'ignored'
      AND (getvariable('feedback_all') OR left(sha256, 3) IN (SELECT bucket FROM feedback_bucket_scope))
), f AS (
    SELECT s.sha256,
           concat_ws(chr(31), length(s.path), s.path, s.sha256, length(coalesce(s.unit_code, '')),
                     coalesce(s.unit_code, ''), coalesce(s.period, ''), s.status,
                     coalesce(epoch_us(s.received_at)::VARCHAR, ''), d.issues_md5) AS form
    FROM scoped s
    JOIN files fl USING (path, sha256)
    JOIN issue_digests d USING (path, sha256)
    WHERE fl.ignored IS NULL
)
SELECT left(sha256, 3) AS bucket,
       printf('%016x%016x-%d', bit_xor(md5_number_upper(form)), bit_xor(md5_number_lower(form)), count(*)) AS digest
FROM f
GROUP BY bucket;

DROP TABLE feedback_bucket_scope;
