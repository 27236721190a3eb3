-- Every unit of the hierarchy of the summary's month ($1, 'YYYY-MM': the
-- registry rows valid in it) with the nearest township and district at or
-- above it in that month (NULL when it has none), so that the workbooks can
-- place villages and communities and cut the registry per township. A unit
-- not valid in $1 (merged, moved away, not yet founded) is not listed.
WITH rows AS (
    SELECT code, name, level, parent_code
    FROM unit_rows
    WHERE $1 BETWEEN coalesce(valid_from, '0000-00') AND coalesce(valid_to, '9999-99')
)
SELECT u.code, u.name, u.level, coalesce(u.parent_code, '') AS parent_code,
       arg_min(a.code, t.depth) FILTER (WHERE a.level = 'township') AS township_code,
       arg_min(a.name, t.depth) FILTER (WHERE a.level = 'township') AS township_name,
       arg_min(a.code, t.depth) FILTER (WHERE a.level = 'district') AS district_code,
       arg_min(a.name, t.depth) FILTER (WHERE a.level = 'district') AS district_name
FROM rows u
JOIN unit_tree t ON t.unit_code = u.code AND $1 BETWEEN t.valid_from AND t.valid_to
JOIN rows a ON a.code = t.ancestor_code
GROUP BY u.code, u.name, u.level, u.parent_code
ORDER BY u.code, u.level, u.name;
