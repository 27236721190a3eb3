-- For each path, the content seen last, so that an unchanged file (same
-- size and modification time) is not even hashed again.
SELECT path, arg_max(sha256, last_seen_run), arg_max(size, last_seen_run), arg_max(mtime, last_seen_run)
FROM files
GROUP BY path;
