-- The 预警清单 rules: each metric whose definition has a threshold and a
-- direction (below or above: a value past the threshold breaks the rule),
-- in the order of the workbooks' columns.
SELECT metric, threshold, direction FROM metric_catalog
WHERE threshold IS NOT NULL AND direction IS NOT NULL
ORDER BY ord;
