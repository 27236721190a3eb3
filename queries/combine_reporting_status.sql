-- After refresh_reporting_status.sql, which placed every expected unit of
-- the combined registry in each month (and found the units that no lake
-- holds missing, as a warehouse of forms without theirs would): the lakes'
-- units take their city's decisions (status, and on time by the city's own
-- deadline day), paths prefixed with the lake's name. The clerk's name and
-- phone are not in a lake.
UPDATE reporting_status_t r
SET status = l.status, received_at = l.received_at, deadline = l.deadline,
    on_time = l.on_time, path = l.lake || '/' || l.path, files = l.files, reason = l.reason
FROM lake_reporting_status l
WHERE l.period = r.period AND l.unit_code = r.unit_code;
