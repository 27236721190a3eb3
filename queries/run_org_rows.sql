-- The organization rows of the forms this run reads, beside org_rows: the
-- loader inserts each batch into both while the run reads at most a few
-- thousand forms (runRowsForms, run.go), and stops otherwise
-- (run_org_rows_complete is then false). A night's facts of organizations
-- are those of its new forms, which this table holds: reading them here
-- spares a scan of every organization row of a year (8 million at 10,000
-- villages: 0.4 s of CPU), which DuckDB cannot narrow to a few forms'
-- hashes (refresh_scope.sql, orgs_from_run). Temporary: it lives on the
-- run's connection only, and is emptied by each run.
CREATE OR REPLACE TEMP TABLE run_org_rows AS FROM org_rows LIMIT 0;
