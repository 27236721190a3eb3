-- In place of refresh_derived_issues.sql: the issues each city derived from
-- more than one workbook, the registry or the receipt time, as it derived
-- them.
CREATE OR REPLACE TABLE derived_issues AS
SELECT lake || '/' || path AS path, sha256, sheet, cell, code, severity, value, message
FROM lake_issues
WHERE seq IS NULL;
