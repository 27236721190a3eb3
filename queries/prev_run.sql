-- This run's row of runs and the previous committed run's (none on a new
-- warehouse): what the steps that recompute only what changed compare the
-- settings with (refresh_submission_status.sql, refresh_scope.sql,
-- refresh_flag_scope.sql, refresh_metric_changes.sql). Views, read once
-- run_settings.sql has recorded this run's settings. Temporary.
CREATE OR REPLACE TEMP VIEW this_run AS
SELECT * FROM runs WHERE run_id = getvariable('run_id');

CREATE OR REPLACE TEMP VIEW prev_run AS
SELECT * FROM runs WHERE run_id = (SELECT max(run_id) FROM runs WHERE run_id < getvariable('run_id'));
