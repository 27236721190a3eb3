-- The metrics in the order of the workbooks' columns, with their Chinese titles.
SELECT ord, metric, kind, title FROM metric_catalog ORDER BY ord;
