-- The public views of docs/warehouse.md: the contract that analysts' SQL and
-- outside checks rely on. The tables behind them are the pipeline's business.
CREATE OR REPLACE VIEW metric_values AS
SELECT period, unit_code, unit_name, level, metric, numerator, denominator, value
FROM metric_values_t;

-- docs/warehouse.md#metric_values_current: the same months along today's
-- hierarchy: metric_values' figures but for the (month, unit)s whose
-- figures differ along today's hierarchy, which are in
-- metric_values_current_t (rollup_metric_values_current.sql).
CREATE OR REPLACE VIEW metric_values_current AS
SELECT v.period, v.unit_code, v.unit_name, v.level, v.metric, v.numerator, v.denominator, v.value
FROM metric_values_t v
ANTI JOIN metric_values_current_replaced r ON r.period = v.period AND r.unit_code = v.unit_code
UNION ALL
SELECT period, unit_code, unit_name, level, metric, numerator, denominator, value
FROM metric_values_current_t;

-- A missing sheet is not reported when the registry rejects the form's code
-- (refresh_derived_issues.sql): the code comes first, as for the reader.
CREATE OR REPLACE VIEW issues AS
SELECT fl.path, i.sheet, i.cell, i.code, i.severity, i.value, i.message, fl.sha256, i.seq
FROM files fl JOIN form_issues i USING (sha256)
WHERE i.code <> 'missing_sheet'
   OR NOT EXISTS (SELECT 1 FROM derived_issues d
                  WHERE d.sha256 = i.sha256 AND d.code IN ('unknown_code', 'unit_inactive', 'wrong_form'))
UNION ALL
SELECT path, sheet, cell, code, severity, value, message, sha256, NULL::INTEGER AS seq
FROM derived_issues;

CREATE OR REPLACE VIEW submissions AS
SELECT s.path, s.sha256, s.unit_code, s.period, s.received_at, s.status,
       coalesce(c.errors, 0) AS errors, coalesce(c.warnings, 0) AS warnings,
       fl.size, fl.mtime, fl.ignored, fo.version, fo.unit_name,
       fo.rows_read, fo.rows_rejected
FROM submission_status s
JOIN files fl USING (path, sha256)
LEFT JOIN forms fo USING (sha256)
LEFT JOIN (
    SELECT path, sha256,
           count(*) FILTER (WHERE severity IN ('file', 'row')) AS errors,
           count(*) FILTER (WHERE severity = 'warning') AS warnings
    FROM issues GROUP BY path, sha256
) c USING (path, sha256);

CREATE OR REPLACE VIEW requests AS
SELECT unit_code, request_id, strftime(requested_on, '%Y-%m') AS period,
       requested_on, dispatched_on, resolved_on, state, dispute, mediation, rating, category
FROM requests_effective;

CREATE OR REPLACE VIEW reporting_status AS
SELECT * FROM reporting_status_t;

-- docs/warehouse.md#metric_flags: small samples and anomalies.
CREATE OR REPLACE VIEW metric_flags AS
SELECT period, unit_code, metric, flag, detail
FROM metric_flags_t;

-- docs/warehouse.md#metric_changes: every figure each run changed, and why.
CREATE OR REPLACE VIEW metric_changes AS
SELECT run_id, period, unit_code, metric,
       old_numerator, old_denominator, new_numerator, new_denominator, cause
FROM metric_changes_t;
