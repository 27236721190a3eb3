-- Fact source `meetings`: one row per meeting of an accepted form, in the
-- month of its date (the reader drops meetings outside the form's month).
--   date, topic, category (议题类别), members_present, residents_present,
--   follow_up (落实情况: 已落实 …)
CREATE OR REPLACE TEMP VIEW facts_meetings AS
SELECT strftime(date, '%Y-%m') AS period, unit_code, date, topic, category,
       members_present, residents_present, follow_up
FROM meetings_effective;
