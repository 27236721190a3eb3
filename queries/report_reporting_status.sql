-- Whether and how each expected unit reported for one month ($1): the
-- villages and communities valid in that month only (reporting_status has
-- no others), with the clerk's name and phone from the cover (filled_by,
-- phone) so that officials can call. Units missing here (a month without
-- any data) did not report.
SELECT unit_code, status, received_at, deadline, on_time, path, files, reason, filled_by, phone
FROM reporting_status
WHERE period = $1
ORDER BY unit_code;
