-- The lakes' issues: seq is the reader's order, NULL for the issues that
-- depend on more than one workbook or on the registry (derived_issues).
CREATE OR REPLACE TEMP TABLE lake_issues (
    lake     VARCHAR NOT NULL,
    path     VARCHAR NOT NULL,
    sha256   VARCHAR NOT NULL,
    seq      INTEGER,
    sheet    VARCHAR,
    cell     VARCHAR,
    code     VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    value    VARCHAR,
    message  VARCHAR
);
