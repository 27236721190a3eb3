-- What refresh_scope.sql decided, for the run's log: whether every figure
-- is recomputed, how many (month, unit)s are, and of how many.
SELECT (SELECT all_figures FROM refresh_mode),
       (SELECT count(*) FROM refresh_groups),
       (SELECT count(*) FROM unit_periods);
