-- Meetings by the month of their date: followed up (已落实) over all.
INSERT INTO metric_facts
SELECT strftime(date, '%Y-%m'), unit_code, 'deliberation_followup_rate',
       count(*) FILTER (WHERE follow_up = '已落实'), count(*)
FROM meetings_effective
GROUP BY ALL;
