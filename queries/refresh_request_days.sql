-- request_days (schema.sql): a function of requests_effective alone, unit
-- by unit, so written again only for the villages whose effective requests
-- this run wrote again, from their requests as refresh_request_months.sql
-- kept them aside (requests_changed); for every unit from every request
-- when requests_full. The same requests (in the month of their 点单日期)
-- that the requests source counts, those resolved with a valid 办结日期. In
-- month order, so that the roll-ups' scans of recent months skip the older
-- blocks.
DELETE FROM request_days
WHERE getvariable('requests_full') OR unit_code IN (SELECT unit_code FROM requests_rewritten_units);

INSERT INTO request_days
SELECT period, unit_code, days, count(*) AS n
FROM (
    SELECT strftime(requested_on, '%Y-%m') AS period, unit_code,
           date_diff('day', requested_on, resolved_on) AS days
    FROM requests_effective
    WHERE getvariable('requests_full') AND state = '已办结' AND resolved_on IS NOT NULL
    UNION ALL
    SELECT strftime(requested_on, '%Y-%m'), unit_code, date_diff('day', requested_on, resolved_on)
    FROM requests_changed
    WHERE state = '已办结' AND resolved_on IS NOT NULL
)
GROUP BY ALL
ORDER BY period;
