-- Each registry row paired with itself and every unit above it (depth 0 is
-- itself), for the months in which that unit is above it: valid_from and
-- valid_to ('YYYY-MM'; '0000-00' and '9999-99' for always and still valid)
-- are the intersection of the rows' months along the chain, so that a unit
-- that moved has one chain per parent it had. Roll-ups join the facts of
-- month M through the rows with M between valid_from and valid_to: the
-- hierarchy of M. The registry reader has already refused cycles and a
-- parent that is not valid while its child is. For a registry without
-- months, this is the plain closure with one always-valid chain per unit.
CREATE OR REPLACE TABLE unit_tree AS
WITH RECURSIVE up(unit_code, ancestor_code, parent_code, depth, valid_from, valid_to) AS (
    SELECT code, code, parent_code, 0, coalesce(valid_from, '0000-00'), coalesce(valid_to, '9999-99')
    FROM unit_rows
    UNION ALL
    SELECT up.unit_code, p.code, p.parent_code, up.depth + 1,
           greatest(up.valid_from, coalesce(p.valid_from, '0000-00')),
           least(up.valid_to, coalesce(p.valid_to, '9999-99'))
    FROM up JOIN unit_rows p ON p.code = up.parent_code
    WHERE coalesce(p.valid_from, '0000-00') <= up.valid_to
      AND coalesce(p.valid_to, '9999-99') >= up.valid_from
)
SELECT unit_code, ancestor_code, depth, valid_from, valid_to FROM up;

-- The first month in which each unit is valid ('0000-00' for always): a
-- request (or any fact) of a month before it, a new village's request
-- carried over from an old one, counts in that first month
-- (request_before_unit, docs/form.md). Temporary, for the steps after:
-- metric periods, the scope, the derived issues and both roll-ups.
CREATE OR REPLACE TEMP TABLE unit_first AS
SELECT code, min(coalesce(valid_from, '0000-00')) AS first_from FROM unit_rows GROUP BY code;
