-- Where the next COPY writes ($2) and which month of lake_stage ($1; '' for
-- a table without months): COPY takes no parameter, so export_copy.sql reads
-- them from here.
CREATE OR REPLACE TEMP TABLE lake_target AS
SELECT $1::VARCHAR AS period, $2::VARCHAR AS out;
