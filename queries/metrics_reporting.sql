-- reporting_rate and timely_rate: every expected unit adds 1 to the
-- denominator; it adds 1 to the numerator when it has an accepted form for
-- the month (reporting) and when its earliest accepted form was on time.
INSERT INTO metric_facts
SELECT period, unit_code, metric, numerator, 1
FROM (
    SELECT period, unit_code,
           CASE WHEN status = 'accepted' THEN 1 ELSE 0 END AS reporting_rate,
           CASE WHEN on_time THEN 1 ELSE 0 END AS timely_rate
    FROM reporting_status_t
) UNPIVOT (numerator FOR metric IN (reporting_rate, timely_rate));
