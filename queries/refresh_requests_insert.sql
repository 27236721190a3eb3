-- The requests the metrics count, for the villages whose accepted forms
-- changed: a request is (village, request id); among accepted forms, the one
-- with the latest period that lists it gives its values. It counts once, in
-- the month of its requested-on date. Residents' names and phones stay in
-- request_rows.
--
-- In up to 8 parts by a hash of the village's code (requests_changed_forms,
-- refresh_requests.sql): the window holds every listed row of the villages
-- in play with their values, and a month in which every village sends a
-- form brings all their months back (2.4 million rows at 10,000 villages ×
-- 12 months of 20 requests, beyond the default 256MB in one piece). A
-- village's requests are all in one part; a part with no forms joins
-- nothing.
CREATE OR REPLACE TEMP MACRO requests_part(k) AS TABLE
SELECT s.unit_code, s.period AS form_period,
       r.request_id, r.requested_on, r.dispatched_on, r.accepted_on,
       r.resolved_on, r.state, r.dispute, r.mediation, r.rating, r.category
FROM request_rows r
JOIN requests_changed_forms s ON s.sha256 = r.sha256 AND s.part = k
QUALIFY row_number() OVER (PARTITION BY s.unit_code, r.request_id ORDER BY s.period DESC) = 1;

INSERT INTO requests_effective BY NAME FROM requests_part(0);
INSERT INTO requests_effective BY NAME FROM requests_part(1);
INSERT INTO requests_effective BY NAME FROM requests_part(2);
INSERT INTO requests_effective BY NAME FROM requests_part(3);
INSERT INTO requests_effective BY NAME FROM requests_part(4);
INSERT INTO requests_effective BY NAME FROM requests_part(5);
INSERT INTO requests_effective BY NAME FROM requests_part(6);
INSERT INTO requests_effective BY NAME FROM requests_part(7);
