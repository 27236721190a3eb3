-- The summary's default month: the newest month that has an accepted form and
-- is not after the batch's own month ($1, 'YYYY-MM', Asia/Shanghai). NULL when
-- there is none.
SELECT max(period) FROM submissions WHERE status = 'accepted' AND period <= $1;
