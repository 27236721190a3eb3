-- The lake's issues: the public view, in the month of the file's form
-- ('unknown' when it could not be read). The reader never quotes a
-- resident's name or phone in an issue (docs/form.md), so issues leave as
-- they are.
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT coalesce(s.period, 'unknown') AS period, i.*
FROM issues i
LEFT JOIN submissions s USING (path, sha256);
