-- The flags of one month's figures ($1), for the workbooks: small samples
-- (shown with 样本不足, ranked last, breaking no threshold rule) and
-- anomalies (rows of 预警清单).
SELECT unit_code, metric, flag, coalesce(detail, '') AS detail
FROM metric_flags
WHERE period = $1
ORDER BY unit_code, metric, flag;
