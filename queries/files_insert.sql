-- Files (or new contents at a known path) seen for the first time.
INSERT INTO files
SELECT i.path, i.sha256, i.size, i.mtime, i.received_at, i.ignored,
       getvariable('run_id'), getvariable('run_id')
FROM incoming_files i
ANTI JOIN files f ON f.path = i.path AND f.sha256 = i.sha256;
