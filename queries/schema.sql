-- The warehouse's own tables. Loaded data is keyed by the workbook's content
-- (sha256), so that a copied or re-uploaded file is never read twice; the
-- files table says where and when each content was seen. Everything the
-- metrics need from the registry or from receipt times is recomputed on every
-- run (refresh_*.sql), because those inputs change without the forms changing.
CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    run_id      INTEGER PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    inbox       VARCHAR NOT NULL,
    files_seen  INTEGER,
    files_read  INTEGER
);

-- One row per (path, content) ever seen under the inbox. received_at is
-- refreshed on every run from receipts.csv or the modification time while
-- the file is present; a file removed from the inbox keeps its last values.
CREATE TABLE IF NOT EXISTS files (
    path           VARCHAR NOT NULL,     -- relative to the inbox, with '/'
    sha256         VARCHAR NOT NULL,
    size           BIGINT NOT NULL,
    mtime          TIMESTAMPTZ NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL,
    ignored        VARCHAR,              -- why the file is not a form (e.g. an Office lock file), else NULL
    first_seen_run INTEGER NOT NULL,
    last_seen_run  INTEGER NOT NULL      -- the last run that found it changed or newest at its path (files_update.sql)
    -- unique on (path, sha256), kept so by the loader (no index: DuckDB
    -- checks unique indexes eagerly inside a transaction that updates rows)
);

-- One row per distinct workbook content that was read.
CREATE TABLE IF NOT EXISTS forms (
    sha256         VARCHAR NOT NULL,     -- unique, kept so by the loader
    rejected       BOOLEAN NOT NULL,     -- a file-level issue of the form itself
    version        VARCHAR,
    unit_code      VARCHAR,
    unit_name      VARCHAR,
    period         VARCHAR,              -- 'YYYY-MM'
    cover_sheet    VARCHAR,
    requests_sheet VARCHAR,
    code_cell      VARCHAR,
    period_cell    VARCHAR,
    kind           VARCHAR,
    secretary      VARCHAR,
    one_shoulder   BOOLEAN,
    party_members  BIGINT,
    grids          BIGINT,
    grid_workers   BIGINT,
    council        BOOLEAN,
    groups         BIGINT,
    filled_by      VARCHAR,
    phone          VARCHAR,
    filled_on      DATE,
    form_version   VARCHAR,
    rows_read      INTEGER NOT NULL,
    rows_rejected  INTEGER NOT NULL,
    loaded_run     INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS form_issues (
    sha256   VARCHAR NOT NULL,
    seq      INTEGER NOT NULL,           -- the reader's order
    sheet    VARCHAR NOT NULL,
    cell     VARCHAR NOT NULL,
    code     VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,           -- file | row | warning
    value    VARCHAR NOT NULL,
    message  VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS org_rows (
    sha256     VARCHAR NOT NULL,
    row        INTEGER NOT NULL,
    name       VARCHAR NOT NULL,
    type       VARCHAR NOT NULL,
    has_org    BOOLEAN NOT NULL,
    how_formed VARCHAR,
    org_name   VARCHAR,
    members    BIGINT,
    note       VARCHAR
);

CREATE TABLE IF NOT EXISTS meeting_rows (
    sha256            VARCHAR NOT NULL,
    row               INTEGER NOT NULL,
    date              DATE NOT NULL,
    topic             VARCHAR NOT NULL,
    category          VARCHAR,
    members_present   BIGINT,
    residents_present BIGINT,
    follow_up         VARCHAR
);

-- Residents' names and phones are kept here (the clerk's own data) and never
-- leave through a public view or a summary.
CREATE TABLE IF NOT EXISTS request_rows (
    sha256            VARCHAR NOT NULL,
    row               INTEGER NOT NULL,
    request_id        VARCHAR NOT NULL,
    requested_on      DATE NOT NULL,
    requested_on_cell VARCHAR,
    resident          VARCHAR,
    resident_phone    VARCHAR,
    category          VARCHAR,
    content           VARCHAR,
    dispatched_on     DATE,
    grid_worker       VARCHAR,
    accepted_on       DATE,
    resolved_on       DATE,
    state             VARCHAR NOT NULL,
    dispute           BOOLEAN,
    mediation         VARCHAR,
    rating            VARCHAR
);

-- Added with the park form (docs/definitions.md): the form's kind (village
-- or park; NULL on forms loaded before: village) and the park's 书记助理.
ALTER TABLE forms ADD COLUMN IF NOT EXISTS form_kind VARCHAR;
ALTER TABLE forms ADD COLUMN IF NOT EXISTS assistant VARCHAR;
-- The sha256 of what the form's 点单台账 gives the effective requests and
-- their changed-date warnings (warehouse.requestLogDigest; NULL for a form
-- without requests): a form that takes the place of one of the same
-- village and month with the same digest leaves the village's requests as
-- they were (refresh_requests.sql). A warehouse from before it has it
-- filled once, at its first run, from request_rows.
ALTER TABLE forms ADD COLUMN IF NOT EXISTS requests_digest VARCHAR;
-- The earliest 点单日期 of the form's requests (NULL without any): the
-- earliest month whose figures it may change besides its own
-- (refresh_scope.sql), without reading its rows. Filled with the digest.
ALTER TABLE forms ADD COLUMN IF NOT EXISTS requests_first_on DATE;

-- The cover's answers that have no column of forms: the questions a form
-- version's definitions add (the 2023版 assessment, an analyst's own). One
-- row per form and field it was asked (the cover has the field's label, or
-- the field is of every version); a form not asked a question has no row
-- for it. valid: the answer was not empty or invalid;
-- the value is in the column of the field's kind (count also holds a star
-- rating's stars, 0 for 未评定).
CREATE TABLE IF NOT EXISTS form_answers (
    sha256 VARCHAR NOT NULL,
    key    VARCHAR NOT NULL,
    asked  BOOLEAN NOT NULL,
    valid  BOOLEAN NOT NULL,
    text   VARCHAR,
    yes    BOOLEAN,
    count  BIGINT,
    date   DATE
);

-- A park form's 企业名册 rows (accepted rows only).
CREATE TABLE IF NOT EXISTS enterprise_rows (
    sha256        VARCHAR NOT NULL,
    row           INTEGER NOT NULL,
    name          VARCHAR NOT NULL,
    credit_code   VARCHAR,              -- valid codes only
    kind          VARCHAR,
    workers       BIGINT,
    party_members BIGINT,
    has_org       BOOLEAN NOT NULL,
    how_formed    VARCHAR,              -- 单独组建 | 联合组建 | 孵化培育
    org_name      VARCHAR,
    paired        BOOLEAN,
    model_posts   BIGINT
);

-- A park form's 走访服务 rows dated in the form's month.
CREATE TABLE IF NOT EXISTS visit_rows (
    sha256     VARCHAR NOT NULL,
    row        INTEGER NOT NULL,
    date       DATE NOT NULL,
    enterprise VARCHAR NOT NULL,
    matter     VARCHAR,
    problems   BIGINT,                  -- both NULL unless both valid and solved <= problems
    solved     BIGINT
);

-- The registry as of the latest run (replaced on every run: the CSV is the
-- only source of the hierarchy), one row per code: its latest row (the one
-- that starts last). Every row, with the months it holds for, is in
-- unit_rows (the hierarchy through time).
CREATE TABLE IF NOT EXISTS units (
    code        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    level       VARCHAR NOT NULL,
    parent_code VARCHAR
);

-- The deduplicated requests the metrics count (see refresh_requests*.sql),
-- kept between runs and recomputed only for the villages whose accepted
-- forms changed; requests_basis is what it reflects.
CREATE TABLE IF NOT EXISTS requests_effective (
    unit_code     VARCHAR NOT NULL,
    form_period   VARCHAR NOT NULL,
    request_id    VARCHAR NOT NULL,
    requested_on  DATE NOT NULL,
    dispatched_on DATE,
    accepted_on   DATE,
    resolved_on   DATE,
    state         VARCHAR NOT NULL,
    dispute       BOOLEAN,
    mediation     VARCHAR,
    rating        VARCHAR,
    category      VARCHAR
);

CREATE TABLE IF NOT EXISTS requests_basis (
    unit_code VARCHAR,
    sha256    VARCHAR NOT NULL
);

-- Per village, a digest of its rows of requests_effective (the bit_xor of
-- each row's hash, and their count), so that a refresh that computes a
-- village's requests again writes them only when they moved
-- (refresh_requests*.sql): a corrected form that leaves the request log as
-- it was (a cover sheet fixed) rewrites none of its 1,000 requests, and
-- DuckDB's log and checkpoint carry none of them. A village without a row
-- has its requests written whenever they are computed; the table was added
-- without a new schema version for that reason, and a combined warehouse,
-- whose requests come from its cities, leaves it empty.
CREATE TABLE IF NOT EXISTS requests_digest (
    unit_code VARCHAR NOT NULL,
    digest    UBIGINT NOT NULL,
    n         BIGINT NOT NULL
);

-- request_changed_date warnings, per accepted form content, kept between runs
-- and recomputed only for the villages whose accepted forms changed (like
-- requests_effective); derived_issues gives them their paths.
CREATE TABLE IF NOT EXISTS request_date_issues (
    unit_code VARCHAR NOT NULL,
    sha256    VARCHAR NOT NULL,
    sheet     VARCHAR,
    cell      VARCHAR,
    value     VARCHAR NOT NULL,
    message   VARCHAR NOT NULL
);

-- Per-run working tables are temporary since schema 3; an older file's
-- persistent copies would only be rewritten for nothing. (metric_facts was
-- one of them until it came to be kept between runs, below.)
DROP TABLE IF EXISTS main.meetings_effective;

-- Since "trust in every figure" (same schema version: an older file gains
-- these in place). runs is the public view of committed batches
-- (docs/warehouse.md#runs): a run's row is written in its own transaction, so
-- every row in the file is a committed run. The settings a run used are kept
-- so that the next run can name them as the cause of a changed figure, and
-- flags_basis (a hash of the flags' SQL and the metric definitions) so that it knows
-- when every flag must be recomputed.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS forms_read INTEGER;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS status VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS deadline_day INTEGER;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS min_sample INTEGER;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS flags_basis VARCHAR;
-- Per metric, a digest of its definition (run_settings.sql), as JSON: a
-- changed definition is named as the cause of the figures it changed.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS metric_digests VARCHAR;
UPDATE runs SET forms_read = files_read, status = 'committed' WHERE status IS NULL;

-- Every figure of metric_values that a run changed, with what changed it
-- (refresh_metric_changes.sql). Appended by every run, never rewritten.
CREATE TABLE IF NOT EXISTS metric_changes_t (
    run_id          INTEGER NOT NULL,
    period          VARCHAR NOT NULL,
    unit_code       VARCHAR NOT NULL,
    metric          VARCHAR NOT NULL,
    old_numerator   DOUBLE,
    old_denominator DOUBLE,
    new_numerator   DOUBLE,
    new_denominator DOUBLE,
    cause           VARCHAR NOT NULL
);

-- Small samples and anomalies (refresh_metric_flags_*.sql): kept between runs
-- and recomputed for the units whose figures a run changed.
CREATE TABLE IF NOT EXISTS metric_flags_t (
    period    VARCHAR NOT NULL,
    unit_code VARCHAR NOT NULL,
    metric    VARCHAR NOT NULL,
    flag      VARCHAR NOT NULL,
    detail    VARCHAR NOT NULL
);

-- The derived tables a run compares with the previous run's (prev_*.sql).
-- Each run replaces them (refresh_*.sql, rollup_metric_values.sql); on a new
-- file these empty ones stand for "no previous run".
CREATE TABLE IF NOT EXISTS unit_tree (
    unit_code     VARCHAR,
    ancestor_code VARCHAR,
    depth         INTEGER,
    valid_from    VARCHAR,              -- since schema 4: the months ('YYYY-MM')
    valid_to      VARCHAR               -- in which ancestor_code is above unit_code
);
CREATE TABLE IF NOT EXISTS derived_issues (
    path     VARCHAR,
    sha256   VARCHAR,
    sheet    VARCHAR,
    cell     VARCHAR,
    code     VARCHAR,
    severity VARCHAR,
    value    VARCHAR,
    message  VARCHAR
);
-- The md5 of each form's issues as its feedback workbook lists them
-- (refresh_issue_digests.sql), kept between runs: a night tells which
-- feedback workbooks changed without reading every issue of a year back.
CREATE TABLE IF NOT EXISTS issue_digests (
    path       VARCHAR,
    sha256     VARCHAR,
    issues_md5 VARCHAR
);
-- The forms with an issue in 4,096 buckets by the first 3 hex digits of
-- their content, each with a digest of what their feedback workbooks are
-- made from (refresh_feedback_buckets.sql), kept between runs: the
-- workbooks of a bucket whose digest did not move are left as they are
-- without reading its forms back (pipeline/report).
CREATE TABLE IF NOT EXISTS feedback_buckets (
    bucket VARCHAR,
    digest VARCHAR
);
CREATE TABLE IF NOT EXISTS submission_status (
    path          VARCHAR,
    sha256        VARCHAR,
    unit_code     VARCHAR,
    period        VARCHAR,
    received_at   TIMESTAMPTZ,
    form_rejected BOOLEAN,
    known         BOOLEAN,
    status        VARCHAR
);
-- Additive facts per reporting unit (village, community, park) and month:
-- every ratio as numerator and denominator, every count as numerator (a
-- count's denominator is 0). The statements built from the metric
-- definitions fill it (generatedSteps, metrics.go), rollup_metric_values.sql
-- sums them up the registry; medians are not additive and are computed
-- there. Kept between runs (since schema 4, without a new version: a
-- warehouse without it gains it, and its first run recomputes every
-- figure): a run recomputes only the facts whose inputs changed
-- (refresh_scope.sql), and sums the others as they are.
CREATE TABLE IF NOT EXISTS metric_facts (
    period      VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    metric      VARCHAR NOT NULL,
    numerator   DOUBLE NOT NULL,
    denominator DOUBLE NOT NULL
);
-- The resolved requests' days to resolve, per reporting unit, month (of
-- the 点单日期) and whole number of days: the histogram the median is read
-- from (rollup_metric_values.sql), and the lake's request_days. Kept between
-- runs and refreshed with metric_facts (refresh_request_days.sql), so that a
-- night's roll-up reads a few hundred thousand counts instead of the
-- requests of the months it recomputes (0.7 s of a 12-month night). Added
-- without a new schema version: the SQL that fills it changes the basis
-- (runs.flags_basis), so a warehouse's first run with it recomputes
-- everything and fills it.
CREATE TABLE IF NOT EXISTS request_days (
    period    VARCHAR NOT NULL,
    unit_code VARCHAR NOT NULL,
    days      BIGINT NOT NULL,
    n         BIGINT NOT NULL
);
-- The months (year * 100 + month) in which each unit has an effective
-- request: what refresh_metric_periods.sql reads instead of every request.
-- Kept between runs and written again for the villages whose effective
-- requests a run wrote again (refresh_request_months.sql). Added without a
-- new schema version, as request_days: the SQL that fills it changes the
-- basis, so a warehouse's first run with it fills it whole.
CREATE TABLE IF NOT EXISTS request_months (
    unit_code VARCHAR NOT NULL,
    ym        INTEGER NOT NULL
);
-- request_days summed up each month's hierarchy, for the units with a unit
-- below them (rollup_metric_values.sql, for the (month, unit)s it
-- recomputes): the histograms of metric_values' medians above the villages,
-- kept so that metric_values_current sums those of the units whose figures
-- are the same along today's hierarchy instead of every village's again
-- (rollup_metric_values_current.sql).
CREATE TABLE IF NOT EXISTS request_days_up (
    period    VARCHAR NOT NULL,
    unit_code VARCHAR NOT NULL,
    days      BIGINT NOT NULL,
    n         BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS metric_values_t (
    period      VARCHAR,
    unit_code   VARCHAR,
    unit_name   VARCHAR,
    level       VARCHAR,
    metric      VARCHAR,
    numerator   DOUBLE,
    denominator DOUBLE,
    value       DOUBLE,
    metric_ord  INTEGER
);

-- The registry's rows through time (docs/form.md, "the hierarchy through
-- time"; schema 4), replaced on every run like units: a code has one row per
-- parent it had. valid_from and valid_to are 'YYYY-MM', NULL for always and
-- for still valid.
CREATE TABLE IF NOT EXISTS unit_rows (
    code           VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    level          VARCHAR NOT NULL,
    parent_code    VARCHAR,
    valid_from     VARCHAR,
    valid_to       VARCHAR,
    successor_code VARCHAR
);

-- metric_values_current (rollup_metric_values_current.sql): the (month,
-- unit)s of metric_values whose figures along today's hierarchy differ from
-- those of the month's own (metric_values_current_replaced), and today's
-- units' figures for them (metric_values_current_t).
CREATE TABLE IF NOT EXISTS metric_values_current_replaced (
    period    VARCHAR,
    unit_code VARCHAR
);
CREATE TABLE IF NOT EXISTS metric_values_current_t AS FROM metric_values_t LIMIT 0; -- the same columns
