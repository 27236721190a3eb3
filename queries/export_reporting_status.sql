-- The lake's reporting_status: one row per expected unit and month with the
-- city's decisions (accepted, rejected or missing; on time by the city's own
-- deadline day). Without the clerk's name and phone (filled_by, phone): the
-- lake is for analysts, and the people who call a village are the city's.
CREATE OR REPLACE TEMP TABLE lake_stage AS
SELECT * EXCLUDE (filled_by, phone) FROM reporting_status;
