-- The summary's default month: the newest month that has an accepted form and
-- is not after the batch's own month ($1, 'YYYY-MM', Asia/Shanghai). NULL when
-- there is none. From submission_status, whose rows the submissions view
-- shows (each with its file), without the view's counts of every form's
-- issues (0.2 s at 120,000 forms).
SELECT max(period) FROM submission_status WHERE status = 'accepted' AND period <= $1;
