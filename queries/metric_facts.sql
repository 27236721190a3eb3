-- Additive facts per reporting unit (village or community) and month: every
-- ratio as numerator and denominator, every count as numerator. The
-- metrics_*.sql files fill it, one per family; rollup_metric_values.sql sums
-- them up the registry. Medians are not additive and are computed there.
CREATE OR REPLACE TABLE metric_facts (
    period      VARCHAR NOT NULL,
    unit_code   VARCHAR NOT NULL,
    metric      VARCHAR NOT NULL,
    numerator   DOUBLE NOT NULL,
    denominator DOUBLE NOT NULL
);
