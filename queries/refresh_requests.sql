-- The accepted forms that changed since the last refresh, each village's
-- added and removed ones paired by month: a new, corrected, superseded or
-- newly rejected form; with their request sheet's name and request log
-- digest (forms.requests_digest). Temporary.
CREATE OR REPLACE TEMP TABLE requests_form_changes AS
WITH accepted AS (
    SELECT unit_code, sha256 FROM submission_status WHERE status = 'accepted'
), added AS (
    SELECT c.unit_code, c.sha256, f.period, f.requests_sheet, f.requests_digest AS digest
    FROM (FROM accepted EXCEPT SELECT unit_code, sha256 FROM requests_basis) c
    LEFT JOIN forms f USING (sha256)
), removed AS (
    SELECT c.unit_code, c.sha256, f.period, f.requests_sheet, f.requests_digest AS digest
    FROM (SELECT unit_code, sha256 FROM requests_basis EXCEPT FROM accepted) c
    LEFT JOIN forms f USING (sha256)
)
SELECT coalesce(a.unit_code, r.unit_code) AS unit_code, a.sha256 AS new_sha, r.sha256 AS old_sha,
       coalesce(a.digest = r.digest AND a.requests_sheet IS NOT DISTINCT FROM r.requests_sheet, false) AS same_log
FROM added a
FULL JOIN removed r ON r.unit_code = a.unit_code AND r.period = a.period;

-- The villages whose every change puts a form in the place of one of the
-- same month with the same request log (forms.requests_digest): a
-- corrected form whose 点单台账 is as it was. Their effective requests, and
-- the months and days of those, stay as they are; their changed-date
-- warnings pass to the new forms (refresh_request_date_issues_insert.sql).
CREATE OR REPLACE TEMP TABLE requests_swaps AS
SELECT unit_code, new_sha, old_sha
FROM requests_form_changes
WHERE unit_code IN (
    SELECT unit_code FROM requests_form_changes
    GROUP BY unit_code
    HAVING bool_and(same_log) AND count(DISTINCT new_sha) = count(*) AND count(DISTINCT old_sha) = count(*)
);

-- The villages whose requests must be recomputed: the others whose set of
-- accepted forms changed. A village's effective requests depend only on
-- that set, since a form's content and period never change under its
-- sha256. On a new warehouse every village is here.
CREATE OR REPLACE TEMP TABLE requests_changed_units AS
SELECT DISTINCT unit_code FROM requests_form_changes
WHERE unit_code NOT IN (SELECT unit_code FROM requests_swaps);

-- In how many parts refresh_requests_insert.sql computes them: as many as
-- the memory needs (8 when every village's forms come back, as on a first
-- load), one for a night's few villages, so that request_rows is scanned
-- once for them.
SET VARIABLE requests_parts = (
    SELECT least(8, greatest(1, ceil(count(*) / 1250)))::INTEGER FROM requests_changed_units
);

-- Their accepted forms, each with its part (by a hash of the village's
-- code, so that a village's requests are all in one part).
CREATE OR REPLACE TEMP TABLE requests_changed_forms AS
SELECT s.sha256, s.unit_code, s.period, hash(s.unit_code) % getvariable('requests_parts') AS part
FROM submission_status s
WHERE s.status = 'accepted' AND s.unit_code IN (SELECT unit_code FROM requests_changed_units);

-- The requests the metrics count, for the villages of part k: a request is
-- (village, request id); among accepted forms, the one with the latest
-- period that lists it gives its values. It counts once, in the month of
-- its requested-on date. Residents' names and phones stay in request_rows.
-- The window holds every listed row of the part's villages with their
-- values, and a month in which every village sends a form brings all their
-- months back (2.4 million rows at 10,000 villages × 12 months of 20
-- requests, beyond the default 256MB in one piece), hence the parts. A part
-- with no forms joins nothing, and costs nothing.
CREATE OR REPLACE TEMP MACRO requests_part(k) AS TABLE
SELECT s.unit_code, s.period AS form_period,
       r.request_id, r.requested_on, r.dispatched_on, r.accepted_on,
       r.resolved_on, r.state, r.dispute, r.mediation, r.rating, r.category
FROM request_rows r
JOIN requests_changed_forms s ON s.sha256 = r.sha256 AND s.part = k
QUALIFY row_number() OVER (PARTITION BY s.unit_code, r.request_id ORDER BY s.period DESC) = 1;

-- A night's villages, in one part, are computed here, to be compared with
-- what requests_effective holds (requests_digest) before anything is
-- written; parts go straight to requests_effective
-- (refresh_requests_insert.sql). Temporary.
CREATE OR REPLACE TEMP TABLE requests_new AS
FROM requests_part(0)
WHERE getvariable('requests_parts') = 1;

-- The digest of each village's requests (schema.sql, requests_digest): the
-- bit_xor of a 64-bit hash of each row, which no order changes, and the
-- count of rows. A village whose accepted forms changed and left no
-- request has none.
CREATE OR REPLACE TEMP MACRO requests_row_hash(e) AS
    hash(e.form_period, e.request_id, e.requested_on, e.dispatched_on, e.accepted_on,
         e.resolved_on, e.state, e.dispute, e.mediation, e.rating, e.category);

CREATE OR REPLACE TEMP TABLE requests_new_digest AS
SELECT e.unit_code, bit_xor(requests_row_hash(e)) AS digest, count(*) AS n
FROM requests_new e
GROUP BY e.unit_code;

-- The villages whose requests_effective rows are written again: every
-- changed village but those whose new requests have the digest of the
-- stored ones (all of them when in parts). The request months and days
-- (refresh_request_months.sql, refresh_request_days.sql), functions of
-- requests_effective alone, follow the same villages.
CREATE OR REPLACE TEMP TABLE requests_rewritten_units AS
SELECT c.unit_code
FROM requests_changed_units c
WHERE getvariable('requests_parts') > 1 OR NOT EXISTS (
    SELECT 1
    FROM requests_new_digest n
    JOIN requests_digest d ON d.unit_code = n.unit_code AND d.digest = n.digest AND d.n = n.n
    WHERE n.unit_code = c.unit_code
);
