-- The requests the metrics count, for the villages whose accepted forms
-- changed: a request is (village, request id); among accepted forms, the one
-- with the latest period that lists it gives its values. It counts once, in
-- the month of its requested-on date. Residents' names and phones stay in
-- request_rows.
--
-- One grouped pass (arg_max of the row's values by the form's period), not
-- a window over the listed rows: DuckDB spills a grouping to disk beyond its
-- memory limit, so that a first load of a year of forms (17 million listed
-- rows at 10,000 villages) fits the default 256MB (measured: 1.3 s, 320 MB
-- peak), where the window, even in 8 parts, ran out.
INSERT INTO requests_effective BY NAME
SELECT unit_code, v.form_period, request_id, v.requested_on, v.dispatched_on, v.accepted_on,
       v.resolved_on, v.state, v.dispute, v.mediation, v.rating, v.category
FROM (
    SELECT s.unit_code, r.request_id,
           arg_max(struct_pack(form_period := s.period, requested_on := r.requested_on,
                               dispatched_on := r.dispatched_on, accepted_on := r.accepted_on,
                               resolved_on := r.resolved_on, state := r.state, dispute := r.dispute,
                               mediation := r.mediation, rating := r.rating, category := r.category),
                   s.period) AS v
    FROM request_rows r
    JOIN requests_changed_forms s ON s.sha256 = r.sha256
    GROUP BY s.unit_code, r.request_id
);
