-- issue_digests: per form with an issue, the md5 of its issues in the
-- order and with the fields of report_feedback_issues.sql (each issue's
-- fields joined by U+001F, issues by U+001E; pipeline/report computes the
-- same from those rows: issuesDigest). A form's own issues never change
-- under its content, so only these are computed again: the files new to
-- this run, those whose derived issues changed (the registry, a receipt
-- time: they also decide whether a missing sheet is shown), and every one
-- when the table is empty (a new warehouse, or one from before it).
CREATE OR REPLACE TEMP TABLE issue_digest_scope AS
WITH n AS (
    SELECT path, sha256, bit_xor(hash(hash(sheet, cell, code, severity, value, message))) AS h
    FROM derived_issues
    GROUP BY path, sha256
)
SELECT coalesce(n.path, o.path) AS path, coalesce(n.sha256, o.sha256) AS sha256
FROM n FULL JOIN prev_derived_issues o USING (path, sha256)
WHERE n.h IS DISTINCT FROM o.h
UNION
SELECT path, sha256 FROM files
WHERE first_seen_run = getvariable('run_id') OR NOT EXISTS (SELECT 1 FROM issue_digests);

DELETE FROM issue_digests d USING issue_digest_scope s
WHERE d.path = s.path AND d.sha256 = s.sha256;

-- Their contents as a constant list, which reaches the scans under the
-- issues view (a year of issues, a million rows, otherwise read whole);
-- NULL, for all, beyond 1,000 (a list is searched one by one).
SET VARIABLE digest_shas = CASE WHEN (SELECT count(*) FROM issue_digest_scope) <= 1000
                                THEN (SELECT coalesce(list(DISTINCT sha256), []) FROM issue_digest_scope) END;

INSERT INTO issue_digests
SELECT i.path, i.sha256,
       md5(string_agg(concat_ws(chr(31), coalesce(i.sheet, ''), coalesce(i.cell, ''), i.code, i.severity,
                                coalesce(i.value, ''), coalesce(i.message, '')), chr(30)
           ORDER BY i.seq NULLS LAST, i.sheet, i.cell, i.code, i.severity, i.value, i.message))
FROM issues i
SEMI JOIN issue_digest_scope s ON s.path = i.path AND s.sha256 = i.sha256
WHERE getvariable('digest_shas') IS NULL OR list_contains(getvariable('digest_shas'), i.sha256)
GROUP BY i.path, i.sha256;
