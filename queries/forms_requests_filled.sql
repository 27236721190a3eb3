-- Whether fill_forms_requests.sql has run on this warehouse.
SELECT EXISTS (SELECT 1 FROM meta WHERE key = 'forms_requests_filled');
