-- Units that have not reported, or reported late, in the newest month, with
-- the clerk to call.
SELECT district_name, township_name, unit_name, status, on_time, received_at, filled_by, phone
FROM reporting_status
WHERE period = (SELECT max(period) FROM reporting_status)
  AND (status <> 'accepted' OR NOT on_time)
ORDER BY district_name, township_name, unit_name;
