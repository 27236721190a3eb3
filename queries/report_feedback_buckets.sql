-- Each bucket of the forms with an issue and its digest, as the last run
-- left them (refresh_feedback_buckets.sql).
SELECT bucket, digest FROM feedback_buckets;
