-- What refresh_scope.sql decided, for the run's log: whether every figure
-- is recomputed, how many (month, unit)s are, and of how many; and how many
-- villages' effective requests were computed again (refresh_requests.sql),
-- how many of those were written again (the others came out as they
-- were: requests_digest), and how many villages' changed forms all
-- replaced ones with the same request log (requests_swaps).
SELECT (SELECT all_figures FROM refresh_mode),
       (SELECT count(*) FROM refresh_groups),
       (SELECT count(*) FROM unit_periods),
       (SELECT count(*) FROM requests_changed_units),
       (SELECT count(*) FROM requests_rewritten_units),
       (SELECT count(DISTINCT unit_code) FROM requests_swaps);
