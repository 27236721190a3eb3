-- The lakes' metric_facts, read by grassroots combine (docs/lake.md): lake
-- is the lake folder's name. Temporary, like every lake_* staging table.
CREATE OR REPLACE TEMP TABLE lake_metric_facts (
    lake        VARCHAR NOT NULL,
    period      VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    metric      VARCHAR NOT NULL,
    numerator   DOUBLE NOT NULL,
    denominator DOUBLE NOT NULL
);
