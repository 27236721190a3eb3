-- The previous run's hierarchy_today (refresh_metric_periods.sql), from the
-- statuses it left (before refresh_submission_status.sql): when this run's
-- differs, every month of metric_values_current follows the new today
-- (refresh_scope.sql). One row, kept instead of a copy of every status (the
-- statuses that change are found by refresh_submission_status.sql, which
-- writes them). Temporary.
CREATE OR REPLACE TEMP TABLE prev_today AS
SELECT coalesce(
    (SELECT max(s.period) FROM submission_status s, prev_run p
     WHERE s.status = 'accepted' AND s.period <= strftime(timezone('Asia/Shanghai', p.started_at), '%Y-%m')),
    (SELECT strftime(timezone('Asia/Shanghai', started_at), '%Y-%m') FROM prev_run)) AS period;
