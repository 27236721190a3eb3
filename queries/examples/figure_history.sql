-- One figure's history (replace the unit, month and metric): every run
-- that changed 那楼镇's February 满意率, before and after, and why.
SELECT run_id, old_numerator, old_denominator, new_numerator, new_denominator, cause
FROM metric_changes
WHERE unit_code = '450109100000' AND period = '2021-02' AND metric = 'satisfaction_rate'
ORDER BY run_id;
