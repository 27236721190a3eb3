-- The effective requests of the villages whose requests are written again
-- (refresh_requests.sql): a night's from requests_new, or, when there are
-- parts, part by part, in up to 8 parts (requests_part): each scans
-- request_rows for its villages' accepted forms.
INSERT INTO requests_effective BY NAME
FROM requests_new
WHERE unit_code IN (SELECT unit_code FROM requests_rewritten_units);

INSERT INTO requests_effective BY NAME FROM requests_part(0) WHERE getvariable('requests_parts') > 1;
INSERT INTO requests_effective BY NAME FROM requests_part(1);
INSERT INTO requests_effective BY NAME FROM requests_part(2);
INSERT INTO requests_effective BY NAME FROM requests_part(3);
INSERT INTO requests_effective BY NAME FROM requests_part(4);
INSERT INTO requests_effective BY NAME FROM requests_part(5);
INSERT INTO requests_effective BY NAME FROM requests_part(6);
INSERT INTO requests_effective BY NAME FROM requests_part(7);

-- The changed villages' digests: a night's as computed, or, in parts,
-- from what was just written.
DELETE FROM requests_digest WHERE unit_code IN (SELECT unit_code FROM requests_changed_units);

INSERT INTO requests_digest
SELECT unit_code, digest, n FROM requests_new_digest
UNION ALL
SELECT e.unit_code, bit_xor(requests_row_hash(e)), count(*)
FROM requests_effective e
WHERE getvariable('requests_parts') > 1
  AND e.unit_code IN (SELECT unit_code FROM requests_changed_units)
GROUP BY e.unit_code;
