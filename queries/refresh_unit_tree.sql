-- Each unit paired with itself and every unit above it (depth 0 is itself).
-- Roll-ups join facts of villages and communities through this closure.
-- The registry reader has already refused cycles.
CREATE OR REPLACE TABLE unit_tree AS
WITH RECURSIVE up(unit_code, ancestor_code, depth) AS (
    SELECT code, code, 0 FROM units
    UNION ALL
    SELECT up.unit_code, u.parent_code, up.depth + 1
    FROM up JOIN units u ON u.code = up.ancestor_code
    WHERE u.parent_code IS NOT NULL AND u.parent_code <> ''
)
SELECT unit_code, ancestor_code, depth FROM up;
