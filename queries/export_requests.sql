-- The lake's requests: the public view's columns (no resident's name or
-- phone: requests_effective has none) plus accepted_on and form_period (the
-- month of the form that gave the values), so that a combined warehouse
-- holds them exactly as the city's does.
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT strftime(requested_on, '%Y-%m') AS period,
       unit_code, request_id, requested_on, dispatched_on, accepted_on, resolved_on,
       state, dispute, mediation, rating, category, form_period
FROM requests_effective;
