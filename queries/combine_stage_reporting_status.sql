-- The lakes' reporting_status: each expected unit's month as its city
-- decided it (status, and on time by the city's own deadline day).
CREATE OR REPLACE TEMP TABLE lake_reporting_status (
    lake        VARCHAR NOT NULL,
    period      VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    status      VARCHAR,
    received_at TIMESTAMPTZ,
    deadline    TIMESTAMPTZ,
    on_time     BOOLEAN,
    path        VARCHAR,
    files       BIGINT,
    reason      VARCHAR
);
