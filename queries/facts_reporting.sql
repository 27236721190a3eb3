-- Fact source `reporting` of the metric definitions (docs/metrics.md,
-- "Definitions as data"): one row per expected unit (every village and
-- community of the registry) and month of metric_periods.
--   status      'accepted', 'rejected' or 'missing'
--   on_time     the earliest accepted (or superseded) form of the month was
--               received by the deadline; NULL without one
--   received_at, deadline, files   as in reporting_status
-- Temporary, like every facts_* view: only this run's metrics read it.
CREATE OR REPLACE TEMP VIEW facts_reporting AS
SELECT period, unit_code, status, on_time, received_at, deadline, files
FROM reporting_status_t;
