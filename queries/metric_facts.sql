-- Additive facts per reporting unit (village or community) and month: every
-- ratio as numerator and denominator, every count as numerator. The
-- metrics_*.sql files fill it, one per family; rollup_metric_values.sql sums
-- them up the registry. Medians are not additive and are computed there.
-- Temporary (the run's connection only): it is rebuilt every run, and
-- keeping it would only make every commit write it to disk again.
CREATE OR REPLACE TEMP TABLE metric_facts (
    period      VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    metric      VARCHAR NOT NULL,
    numerator   DOUBLE NOT NULL,
    denominator DOUBLE NOT NULL
);
