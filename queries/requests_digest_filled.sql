-- Whether fill_requests_digest.sql has run on this warehouse.
SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'requests_digest');
