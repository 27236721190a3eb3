-- request_days (schema.sql) for the facts this run recomputes
-- (refresh_scope.sql, in_fact_scope), as metric_facts: the same requests
-- (requests_effective, in the month of their 点单日期) that the requests
-- source counts, those resolved with a valid 办结日期. In month order, so
-- that the roll-ups' scans of recent months skip the older blocks.
DELETE FROM request_days WHERE in_fact_scope(period, unit_code);

INSERT INTO request_days
SELECT period, unit_code, days, count(*) AS n
FROM (
    SELECT strftime(requested_on, '%Y-%m') AS period, unit_code,
           date_diff('day', requested_on, resolved_on) AS days
    FROM requests_effective
    WHERE state = '已办结' AND resolved_on IS NOT NULL
      AND (getvariable('fact_units') IS NULL OR list_contains(getvariable('fact_units'), unit_code))
)
WHERE in_fact_scope(period, unit_code)
GROUP BY ALL
ORDER BY period;
