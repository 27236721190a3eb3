-- Deduplicated requests in the month of their requested-on date.
INSERT INTO metric_facts
WITH r AS (
    SELECT strftime(requested_on, '%Y-%m') AS period, unit_code,
           state = '已办结' AS resolved,
           state = '已办结' AND resolved_on IS NOT NULL AS timed,
           date_diff('day', requested_on, resolved_on) AS days,
           rating IN ('满意', '基本满意', '不满意') AS rated,
           rating IN ('满意', '基本满意') AS satisfied,
           coalesce(dispute, false) AS dispute,
           mediation = '调处成功' AS mediated,
           state = '未受理' AS unaccepted
    FROM requests_effective
)
SELECT period, unit_code, metric, numerator, denominator
FROM (
    SELECT period, unit_code,
        count(*) AS n,
        count(*) FILTER (WHERE resolved) AS n_resolved,
        count(*) FILTER (WHERE timed) AS n_timed,
        count(*) FILTER (WHERE timed AND days <= 7) AS n_ontime,
        count(*) FILTER (WHERE resolved AND rated) AS n_rated,
        count(*) FILTER (WHERE resolved AND satisfied) AS n_satisfied,
        count(*) FILTER (WHERE dispute) AS n_dispute,
        count(*) FILTER (WHERE dispute AND mediated) AS n_mediated,
        count(*) FILTER (WHERE unaccepted) AS n_unaccepted
    FROM r GROUP BY ALL
) c,
LATERAL (VALUES
    ('requests_total',         c.n,            0),
    ('requests_unaccepted',    c.n_unaccepted, 0),
    ('resolution_rate',        c.n_resolved,   c.n),
    ('ontime_rate',            c.n_ontime,     c.n_timed),
    ('rating_rate',            c.n_rated,      c.n_resolved),
    ('satisfaction_rate',      c.n_satisfied,  c.n_rated),
    ('mediation_success_rate', c.n_mediated,   c.n_dispute)
) AS m(metric, numerator, denominator);
