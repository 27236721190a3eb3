-- One township's monthly trend of the headline rates (replace the name).
SELECT period,
       max(value) FILTER (WHERE metric = 'reporting_rate')    AS reporting_rate,
       max(value) FILTER (WHERE metric = 'resolution_rate')   AS resolution_rate,
       max(value) FILTER (WHERE metric = 'satisfaction_rate') AS satisfaction_rate,
       max(value) FILTER (WHERE metric = 'coverage_all')      AS coverage_all
FROM metric_values
WHERE level = 'township' AND unit_name = '那楼镇'
GROUP BY period
ORDER BY period;
