-- Run once per warehouse, by the first refresh of a warehouse that does not
-- say it ran (meta, forms_requests_filled.sql): the request log digests and
-- earliest 点单日期 (forms.requests_digest and requests_first_on,
-- schema.sql) of the forms loaded before the columns existed, from their
-- rows, as warehouse.requestLogDigest and firstRequested make them of a
-- form being loaded.
-- In 16 parts by a hash of the content hash: each holds its forms'
-- rows in order, and the whole year at once (17 million rows at 10,000
-- villages) ran out of 2GB. A part with no form to fill joins nothing.
CREATE OR REPLACE TEMP TABLE request_log_missing AS
SELECT sha256 FROM forms
WHERE (requests_digest IS NULL OR requests_first_on IS NULL) AND NOT rejected;

CREATE OR REPLACE TEMP MACRO request_log_part(k) AS TABLE
SELECT r.sha256,
       sha256(string_agg(concat_ws(chr(31), r.request_id, coalesce(r.requested_on::VARCHAR, ''),
                                   coalesce(r.requested_on_cell, ''), coalesce(r.dispatched_on::VARCHAR, ''),
                                   coalesce(r.accepted_on::VARCHAR, ''), coalesce(r.resolved_on::VARCHAR, ''),
                                   r.state, coalesce(r.dispute::VARCHAR, ''), coalesce(r.mediation, ''),
                                   coalesce(r.rating, ''), coalesce(r.category, '')),
                         chr(30) ORDER BY r.row)) AS digest,
       min(r.requested_on) AS first_on
FROM request_rows r
JOIN request_log_missing m ON m.sha256 = r.sha256 AND hash(m.sha256) % 16 = k
GROUP BY r.sha256;

UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(0) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(1) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(2) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(3) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(4) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(5) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(6) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(7) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(8) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(9) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(10) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(11) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(12) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(13) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(14) d WHERE f.sha256 = d.sha256;
UPDATE forms f SET requests_digest = d.digest, requests_first_on = d.first_on FROM request_log_part(15) d WHERE f.sha256 = d.sha256;

INSERT OR REPLACE INTO meta VALUES ('forms_requests_filled', 'true');

