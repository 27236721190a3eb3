-- Every submission's status and receipt time as the previous run left them
-- (before refresh_submission_status.sql), to find the files whose status
-- changed in this run. Temporary.
CREATE OR REPLACE TEMP TABLE prev_submission_status AS
SELECT path, sha256, unit_code, period, received_at, status FROM submission_status;
