-- What a warehouse of any schema version has read, for `run --rebuild`:
-- each content (sha256) it has seen, at one of its paths. Every version
-- since the first has this table with these columns.
SELECT sha256, min(path) FROM files GROUP BY sha256;
