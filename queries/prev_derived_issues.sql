-- The previous run's derived issues, one hash per file, for
-- refresh_issue_digests.sql to tell whose changed. Temporary.
CREATE OR REPLACE TEMP TABLE prev_derived_issues AS
SELECT path, sha256, bit_xor(hash(hash(sheet, cell, code, severity, value, message))) AS h
FROM derived_issues
GROUP BY path, sha256;
