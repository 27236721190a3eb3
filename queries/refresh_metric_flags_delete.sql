-- The flags of the units recomputed by this run (refresh_flag_scope.sql).
DELETE FROM metric_flags_t WHERE unit_code IN (SELECT unit_code FROM flag_scope);
