-- For each path, the content seen last, so that an unchanged file (same
-- size and modification time) is not even hashed again, and one whose row
-- would not change (same receipt time and reason to be ignored too) is not
-- handed to the warehouse (Run.AddFile). Every row, with the run that saw
-- it last: Run.begin keeps each path's latest (a run sees a path once, so
-- there are no ties). Grouped here by path (arg_max of each column), the
-- query took 50-70 ms of a year's 120,000 files, and the plain rows 15 ms.
SELECT path, sha256, size, mtime, received_at, ignored, last_seen_run
FROM files;
