-- The lakes' submissions: every file each city saw, with its status.
CREATE OR REPLACE TEMP TABLE lake_submissions (
    lake          VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    unit_code     VARCHAR,
    period        VARCHAR,
    received_at   TIMESTAMPTZ NOT NULL,
    status        VARCHAR NOT NULL,
    size          BIGINT NOT NULL,
    mtime         TIMESTAMPTZ NOT NULL,
    ignored       VARCHAR,
    version       VARCHAR,
    unit_name     VARCHAR,
    rows_read     INTEGER,
    rows_rejected INTEGER
);
