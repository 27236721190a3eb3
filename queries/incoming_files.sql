-- The files found under the inbox by this run, before they are merged into
-- files. Temporary: it lives on the run's connection only.
CREATE OR REPLACE TEMP TABLE incoming_files (
    path        VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    size        BIGINT NOT NULL,
    mtime       TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    ignored     VARCHAR
);
