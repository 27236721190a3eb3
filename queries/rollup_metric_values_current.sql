-- metric_values_current (docs/metrics.md, "hierarchy through time"): the
-- months of metric_values rolled up along today's hierarchy (the rows of
-- unit_rows valid in hierarchy_today's month). Every unit maps to a unit
-- valid today (current_units, kept for the changed codes below: any other
-- is valid today): itself when it is valid today, else its successor or,
-- without one, the parent of its last row, repeated until a unit valid
-- today is reached; every reporting unit's facts, reporting
-- included, go to the unit it maps to, and are summed up today's tree, so
-- that the top unit's figures are those of metric_values.
--
-- Most figures are the same in both views, and are not computed twice: the
-- view (views.sql) takes metric_values_t's rows but for the (month, unit)s
-- of metric_values_current_replaced, whose today's figures are in
-- metric_values_current_t. Those are, in each month M whose hierarchy is not
-- today's (current_periods), the units at or above a changed code (a code
-- whose row valid in M is not its row valid today: merged, moved, renamed,
-- founded since) in M's hierarchy, and those at or above the unit it maps
-- to in today's. Any other unit has the same row in M and today and the same
-- codes below it in both (a code that left or joined it is a changed code,
-- or below one), so the same figures. For a registry without months, and
-- for the months whose hierarchy is today's, nothing is replaced.
--
-- Only the months of current_periods (refresh_scope.sql) are recomputed: the
-- months some of whose figures this run recomputes, or every month when
-- today's month moved or the refresh is full. The others keep their rows.
-- The months whose hierarchy is not today's, and their changed codes (none
-- at all for a registry without months).
CREATE OR REPLACE TEMP TABLE current_changed AS
WITH dated AS (
    SELECT EXISTS (SELECT 1 FROM unit_rows WHERE valid_from IS NOT NULL OR valid_to IS NOT NULL) AS dated
), periods AS (
    SELECT p.period
    FROM metric_periods p, hierarchy_today h, dated d
    WHERE p.period <> h.period AND d.dated
      AND p.period IN (SELECT period FROM current_periods)
), month_rows AS (
    SELECT p.period, u.code, u.valid_from, u.valid_to
    FROM periods p
    JOIN unit_rows u ON p.period BETWEEN coalesce(u.valid_from, '0000-00') AND coalesce(u.valid_to, '9999-99')
), today_rows AS (
    SELECT p.period, u.code, u.valid_from, u.valid_to
    FROM periods p, hierarchy_today h, unit_rows u
    WHERE h.period BETWEEN coalesce(u.valid_from, '0000-00') AND coalesce(u.valid_to, '9999-99')
)
SELECT coalesce(m.period, t.period) AS period, coalesce(m.code, t.code) AS code
FROM month_rows m
FULL JOIN today_rows t ON t.period = m.period AND t.code = m.code
WHERE m.code IS NULL OR t.code IS NULL
   OR m.valid_from IS DISTINCT FROM t.valid_from OR m.valid_to IS DISTINCT FROM t.valid_to;

-- The unit each changed code maps to today (any other maps to itself).
CREATE OR REPLACE TEMP TABLE current_units AS
WITH RECURSIVE last_rows AS (
    SELECT code,
           coalesce(successor_code, parent_code) AS next,
           bool_or((SELECT period FROM hierarchy_today)
                   BETWEEN coalesce(valid_from, '0000-00') AND coalesce(valid_to, '9999-99'))
               OVER (PARTITION BY code) AS valid_today
    FROM unit_rows
    QUALIFY row_number() OVER (PARTITION BY code ORDER BY coalesce(valid_to, '9999-99') DESC) = 1
), walk(code, reached, steps, done) AS (
    SELECT code, code, 0, valid_today OR next IS NULL
    FROM last_rows
    WHERE code IN (SELECT code FROM current_changed)
    UNION ALL
    SELECT w.code, l.next, w.steps + 1, n.valid_today OR n.next IS NULL
    FROM walk w
    JOIN last_rows l ON l.code = w.reached
    JOIN last_rows n ON n.code = l.next
    WHERE NOT w.done AND w.steps < 1000 -- the registry reader refused loops
)
SELECT code, arg_max(reached, steps) AS current_code
FROM walk
GROUP BY code;

CREATE OR REPLACE TEMP TABLE today_tree AS
SELECT t.unit_code, t.ancestor_code, t.depth
FROM unit_tree t, hierarchy_today h
WHERE h.period BETWEEN t.valid_from AND t.valid_to;

DELETE FROM metric_values_current_replaced
WHERE period IN (SELECT period FROM current_periods) OR period NOT IN (SELECT period FROM metric_periods);
DELETE FROM metric_values_current_t
WHERE period IN (SELECT period FROM current_periods) OR period NOT IN (SELECT period FROM metric_periods);

INSERT INTO metric_values_current_replaced
SELECT c.period, t.ancestor_code AS unit_code
FROM current_changed c
JOIN unit_tree t ON t.unit_code = c.code AND c.period BETWEEN t.valid_from AND t.valid_to
UNION
SELECT c.period, t.ancestor_code
FROM current_changed c
JOIN current_units m ON m.code = c.code
JOIN today_tree t ON t.unit_code = m.current_code;

-- The figures of the replaced units, summed without going down to every
-- village again. Replaced units are closed upwards in today's tree (a
-- replaced unit's parent of today is replaced), and a unit that is not
-- replaced has in M the same row and the same codes below it as today, so
-- its figures of M (metric_values_t) are its figures along today's
-- hierarchy. A replaced unit U therefore sums:
--   * the figures of M of the units not replaced whose parent of today is
--     replaced and at or below U (the largest parts of U's tree that did not
--     change): their numerators and denominators, and their histograms of
--     days (request_days_up for a unit with units below it, its own days
--     for a reporting unit);
--   * the facts and days of every unit valid in M that is at a replaced unit
--     at or below U once mapped to today's (current_units; itself when it
--     is valid today).
-- On a 10,000-unit year with 2% of the units moved or merged this summed
-- 70,000 rows of figures and histograms where every village's month, a
-- million facts and a million histogram rows, was summed before (0.21 s).
INSERT INTO metric_values_current_t BY NAME
WITH replaced AS (
    SELECT r.period, u.code, u.name, u.level
    FROM metric_values_current_replaced r
    JOIN unit_rows u ON u.code = r.unit_code
    WHERE (SELECT period FROM hierarchy_today) BETWEEN coalesce(u.valid_from, '0000-00') AND coalesce(u.valid_to, '9999-99')
      AND r.period IN (SELECT period FROM current_periods) -- this run's; the others keep their rows
), replaced_periods AS (
    SELECT DISTINCT period FROM replaced
), unchanged_parts AS (
    -- The units not replaced whose parent of today (parent_code) is.
    SELECT x.period, x.code AS parent_code, t.unit_code AS code
    FROM replaced x
    JOIN today_tree t ON t.ancestor_code = x.code AND t.depth = 1
    ANTI JOIN replaced y ON y.period = x.period AND y.code = t.unit_code
), kept_up AS (
    -- Each with every replaced unit at or above it.
    SELECT k.period, a.ancestor_code AS unit_code, k.code
    FROM unchanged_parts k
    JOIN today_tree a ON a.unit_code = k.parent_code
    SEMI JOIN replaced r ON r.period = k.period AND r.code = a.ancestor_code
), sources AS (
    -- The units whose facts land on a replaced unit: the replaced units
    -- themselves and the changed codes that map to one.
    SELECT DISTINCT code FROM (
        SELECT code FROM replaced
        UNION ALL
        SELECT m.code FROM current_units m JOIN replaced r ON r.code = m.current_code
    )
), located AS (
    -- Their facts of M (a unit valid in M; shifted to a unit's first month
    -- by facts_from, as in metric_values) at the replaced unit they map to.
    SELECT f.period, coalesce(m.current_code, f.unit_code) AS code, c.ord, f.numerator, f.denominator
    FROM facts_from(getvariable('current_from')) f
    SEMI JOIN sources s ON s.code = f.unit_code
    LEFT JOIN current_units m ON m.code = f.unit_code
    JOIN metric_catalog c USING (metric)
    SEMI JOIN unit_periods v ON v.period = f.period AND v.code = f.unit_code
    SEMI JOIN replaced r ON r.period = f.period AND r.code = coalesce(m.current_code, f.unit_code)
), sums AS (
    SELECT period, unit_code, ord, sum(numerator) AS numerator, sum(denominator) AS denominator
    FROM (
        SELECT l.period, t.ancestor_code AS unit_code, l.ord, l.numerator, l.denominator
        FROM located l
        JOIN today_tree t ON t.unit_code = l.code
        UNION ALL
        SELECT k.period, k.unit_code, v.metric_ord, v.numerator, v.denominator
        FROM kept_up k
        JOIN metric_values_t v ON v.period = k.period AND v.unit_code = k.code
        JOIN metric_catalog c ON c.ord = v.metric_ord AND c.kind <> 'median'
    )
    GROUP BY ALL
), kept_leaves AS (
    -- The kept parts without a unit below them: their own days of M.
    SELECT k.period, k.unit_code, k.code
    FROM kept_up k
    ANTI JOIN today_tree t ON t.ancestor_code = k.code AND t.depth = 1
), days AS MATERIALIZED (
    -- Read once for both uses below: the days of the sources and of the
    -- kept leaves.
    SELECT d.period, d.unit_code, d.days, d.n
    FROM days_from(getvariable('current_from')) d
    SEMI JOIN (SELECT code FROM sources UNION SELECT code FROM kept_leaves) w ON w.code = d.unit_code
), located_days AS (
    SELECT d.period, coalesce(m.current_code, d.unit_code) AS code, d.days, d.n
    FROM days d
    SEMI JOIN sources s ON s.code = d.unit_code
    LEFT JOIN current_units m ON m.code = d.unit_code
    SEMI JOIN unit_periods v ON v.period = d.period AND v.code = d.unit_code
    SEMI JOIN replaced r ON r.period = d.period AND r.code = coalesce(m.current_code, d.unit_code)
), days_up AS (
    SELECT period, unit_code, days, sum(n) AS n
    FROM (
        SELECT l.period, t.ancestor_code AS unit_code, l.days, l.n
        FROM located_days l
        JOIN today_tree t ON t.unit_code = l.code
        UNION ALL
        SELECT k.period, k.unit_code, d.days, d.n
        FROM kept_up k
        JOIN request_days_up d ON d.period = k.period AND d.unit_code = k.code
        UNION ALL
        SELECT k.period, k.unit_code, d.days, d.n
        FROM kept_leaves k
        JOIN days d ON d.period = k.period AND d.unit_code = k.code
    )
    GROUP BY ALL
), medians AS (
    SELECT period, unit_code, 'days_to_resolve_median' AS metric, median
    FROM histogram_medians('days_up')
)
SELECT u.period, u.code AS unit_code, u.name AS unit_name, u.level, c.metric,
       CASE c.kind WHEN 'median' THEN m.median ELSE coalesce(s.numerator, 0) END::DOUBLE AS numerator,
       CASE c.kind WHEN 'ratio' THEN coalesce(s.denominator, 0) END::DOUBLE AS denominator,
       CASE c.kind WHEN 'ratio' THEN s.numerator / nullif(s.denominator, 0)
                   WHEN 'median' THEN m.median
                   ELSE coalesce(s.numerator, 0) END::DOUBLE AS value,
       c.ord AS metric_ord
FROM replaced u
CROSS JOIN metric_catalog c
LEFT JOIN sums s ON s.period = u.period AND s.unit_code = u.code AND s.ord = c.ord
LEFT JOIN medians m ON m.period = u.period AND m.unit_code = u.code AND m.metric = c.metric;
