-- Files seen again: their receipt time follows receipts.csv or the
-- modification time as they are now.
UPDATE files
SET size = i.size, mtime = i.mtime, received_at = i.received_at, ignored = i.ignored,
    last_seen_run = getvariable('run_id')
FROM incoming_files i
WHERE files.path = i.path AND files.sha256 = i.sha256;
