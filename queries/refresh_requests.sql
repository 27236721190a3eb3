-- The requests the metrics count: a request is (village, request id); among
-- accepted forms, the one with the latest period that lists it gives its
-- values. It counts once, in the month of its requested-on date. Residents'
-- names and phones stay in request_rows; so do the long per-row columns
-- (path, sha256) that nothing downstream needs: leaving them out halves this
-- step at 10,000 forms.
CREATE OR REPLACE TABLE requests_effective AS
SELECT s.unit_code, s.period AS form_period,
       r.request_id, r.requested_on, r.dispatched_on, r.accepted_on,
       r.resolved_on, r.state, r.dispute, r.mediation, r.rating, r.category
FROM request_rows r
JOIN submission_status s ON s.sha256 = r.sha256 AND s.status = 'accepted'
QUALIFY row_number() OVER (PARTITION BY s.unit_code, r.request_id ORDER BY s.period DESC) = 1;
