-- For each path, the content seen last, so that an unchanged file (same
-- size and modification time) is not even hashed again, and one whose row
-- would not change (same receipt time and reason to be ignored too) is not
-- handed to the warehouse (Run.AddFile). arg_max_null: ignored is NULL for
-- a form, and a NULL must not make arg_max pick another row.
SELECT path, arg_max(sha256, last_seen_run), arg_max(size, last_seen_run), arg_max(mtime, last_seen_run),
       arg_max(received_at, last_seen_run), arg_max_null(ignored, last_seen_run)
FROM files
GROUP BY path;
