-- metric_changes: every figure of metric_values whose numerator or
-- denominator this run changed (IS DISTINCT FROM; a median's value is its
-- numerator), compared with the previous run's figures (prev_metric_values),
-- in the (month, unit)s of changed_groups (refresh_changed_groups.sql).
-- A figure that appears has NULL old values, one that disappears NULL new
-- values. The first run (no previous figures) records nothing.
--
-- cause: the sorted, deduplicated, ';'-joined list of
--   * the paths of the submissions whose status this run changed (new
--     files, superseded ones …), whose unit is the figure's unit or below it
--     (unit_tree) and whose month is the figure's month, or that list a
--     request requested in the figure's month (when some figure of the
--     file's own unit changed);
--   * 'registry' when the registry (code, name, level, parent, a row's
--     months or successor) differs from the previous run's for the figure's
--     unit or a unit below it, in the new tree or the previous one (a unit that moved changes the units it
--     left and the units it joined);
--   * 'settings' for timely_rate when the deadline day differs from the
--     previous run's (the only setting a figure depends on; min_sample
--     changes flags, never a figure);
--   * 'definitions' when the metric's definition (kind, source, numerator,
--     denominator: runs.metric_digests) differs from the previous run's, or
--     the metric is new or gone (not when the previous run recorded none).
-- With none of these, the paths of the submissions of that unit and month
-- whose receipt time changed (receipts.csv, a touched file); else 'unknown'.
INSERT INTO metric_changes_t
WITH changed AS MATERIALIZED (
    SELECT coalesce(n.period, o.period) AS period,
           coalesce(n.unit_code, o.unit_code) AS unit_code,
           coalesce(n.metric, o.metric) AS metric,
           o.numerator AS old_numerator, o.denominator AS old_denominator,
           n.numerator AS new_numerator, n.denominator AS new_denominator
    FROM (SELECT * FROM metric_values_t SEMI JOIN changed_groups USING (period, unit_code)) n
    FULL JOIN (SELECT * FROM prev_metric_values SEMI JOIN changed_groups USING (period, unit_code)) o
      ON o.period = n.period AND o.unit_code = n.unit_code AND o.metric = n.metric
    WHERE n.numerator IS DISTINCT FROM o.numerator OR n.denominator IS DISTINCT FROM o.denominator
), changed_units AS MATERIALIZED (
    SELECT DISTINCT period, unit_code FROM changed
), submission_months AS (
    -- (changed_submissions: refresh_scope.sql)
    SELECT path, unit_code, period, status_changed FROM changed_submissions
    UNION
    -- (only for the units with a changed figure: on a first run, none)
    SELECT s.path, s.unit_code, strftime(r.requested_on, '%Y-%m'), true
    FROM changed_submissions s
    JOIN request_rows r USING (sha256)
    WHERE s.status_changed AND s.unit_code IN (SELECT unit_code FROM changed_units)
), file_causes AS (
    -- Per changed (month, unit) rather than per figure: every metric of a
    -- unit and month has the same files (a city's may be thousands).
    SELECT m.period, t.ancestor_code AS unit_code,
           list_sort(list(DISTINCT m.path) FILTER (WHERE m.status_changed)) AS strong,
           list_sort(list(DISTINCT m.path) FILTER (WHERE NOT m.status_changed)) AS weak
    FROM submission_months m
    JOIN unit_tree t ON t.unit_code = m.unit_code
    JOIN changed_units c ON c.period = m.period AND c.unit_code = t.ancestor_code
    GROUP BY m.period, t.ancestor_code
), registry_changed AS (
    SELECT coalesce(n.code, o.code) AS code
    FROM units n
    FULL JOIN prev_units o ON o.code = n.code
    WHERE n.code IS NULL OR o.code IS NULL
       OR n.name <> o.name OR n.level <> o.level OR n.parent_code IS DISTINCT FROM o.parent_code
    UNION
    -- a row's months or successor (the hierarchy through time)
    SELECT code FROM ((FROM unit_rows EXCEPT FROM prev_unit_rows) UNION ALL (FROM prev_unit_rows EXCEPT FROM unit_rows))
), registry_units AS (
    SELECT t.ancestor_code AS unit_code FROM unit_tree t JOIN registry_changed r ON r.code = t.unit_code
    UNION
    SELECT t.ancestor_code FROM prev_unit_tree t JOIN registry_changed r ON r.code = t.unit_code
), settings_changed AS (
    -- NULL (not a change) when the previous run did not record its settings.
    SELECT cur.deadline_day <> prev.deadline_day AS deadline_day,
           cur.metric_digests AS metric_digests, prev.metric_digests AS prev_metric_digests
    FROM this_run cur, prev_run prev
), causes AS (
    SELECT c.*,
           list_sort(coalesce(f.strong, [])
                     || CASE WHEN r.unit_code IS NOT NULL THEN ['registry'] ELSE [] END
                     || CASE WHEN c.metric = 'timely_rate' AND s.deadline_day THEN ['settings'] ELSE [] END
                     || CASE WHEN s.prev_metric_digests IS NOT NULL
                              AND (s.metric_digests ->> c.metric) IS DISTINCT FROM (s.prev_metric_digests ->> c.metric)
                             THEN ['definitions'] ELSE [] END) AS strong,
           coalesce(f.weak, []) AS weak
    FROM changed c
    LEFT JOIN file_causes f USING (period, unit_code)
    LEFT JOIN registry_units r USING (unit_code)
    LEFT JOIN settings_changed s ON true
)
SELECT getvariable('run_id'), period, unit_code, metric,
       old_numerator, old_denominator, new_numerator, new_denominator,
       CASE WHEN len(strong) > 0 THEN array_to_string(strong, ';')
            WHEN len(weak) > 0 THEN array_to_string(weak, ';')
            ELSE 'unknown' END
FROM causes;
