-- Files seen again: their receipt time follows receipts.csv or the
-- modification time as they are now. Only the rows that change are
-- written (a night sees 10,000 files of which a hundred changed, and an
-- update of every row is a commit of every row): those whose values differ,
-- and a content seen again at its path after another one (a file put back
-- as it was), whose last_seen_run must become the path's latest again
-- (known_files.sql takes each path's content with the highest).
UPDATE files
SET size = i.size, mtime = i.mtime, received_at = i.received_at, ignored = i.ignored,
    last_seen_run = getvariable('run_id')
FROM incoming_files i
WHERE files.path = i.path AND files.sha256 = i.sha256
  AND (files.size <> i.size OR files.mtime <> i.mtime OR files.received_at <> i.received_at
       OR files.ignored IS DISTINCT FROM i.ignored
       OR files.last_seen_run < (SELECT max(l.last_seen_run) FROM files l WHERE l.path = files.path));
