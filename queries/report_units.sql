-- Every registry unit with the nearest township and district at or above it
-- (NULL when it has none), so that the workbooks can place villages and
-- communities and cut the registry per township.
SELECT u.code, u.name, u.level, coalesce(u.parent_code, '') AS parent_code,
       arg_min(a.code, t.depth) FILTER (WHERE a.level = 'township') AS township_code,
       arg_min(a.name, t.depth) FILTER (WHERE a.level = 'township') AS township_name,
       arg_min(a.code, t.depth) FILTER (WHERE a.level = 'district') AS district_code,
       arg_min(a.name, t.depth) FILTER (WHERE a.level = 'district') AS district_name
FROM units u
JOIN unit_tree t ON t.unit_code = u.code
JOIN units a ON a.code = t.ancestor_code
GROUP BY u.code, u.name, u.level, u.parent_code
ORDER BY u.code, u.level, u.name;
