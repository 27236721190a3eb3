-- The metrics in the order of the workbooks' columns, with their Chinese
-- titles and families (the 2023版 assessment and the parks' metrics have
-- sheets of their own).
SELECT ord, metric, kind, title, family FROM metric_catalog ORDER BY ord;
