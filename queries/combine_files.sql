-- The files the cities saw, for the submissions and issues views, each path
-- prefixed with its lake's name (two cities' inboxes may hold the same
-- relative path).
INSERT INTO files
SELECT lake || '/' || path, sha256, size, mtime, received_at, ignored,
       getvariable('run_id'), getvariable('run_id')
FROM lake_submissions;
