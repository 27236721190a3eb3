-- The requests the metrics count, for the villages whose accepted forms
-- changed: a request is (village, request id); among accepted forms, the one
-- with the latest period that lists it gives its values. It counts once, in
-- the month of its requested-on date. Residents' names and phones stay in
-- request_rows.
INSERT INTO requests_effective BY NAME
SELECT s.unit_code, s.period AS form_period,
       r.request_id, r.requested_on, r.dispatched_on, r.accepted_on,
       r.resolved_on, r.state, r.dispute, r.mediation, r.rating, r.category
FROM request_rows r
JOIN submission_status s ON s.sha256 = r.sha256 AND s.status = 'accepted'
WHERE s.unit_code IN (SELECT unit_code FROM requests_changed_units)
QUALIFY row_number() OVER (PARTITION BY s.unit_code, r.request_id ORDER BY s.period DESC) = 1;
