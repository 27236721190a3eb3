-- The run summary's counts of every submission's status after the run.
SELECT count(*) FILTER (WHERE status = 'accepted'),
       count(*) FILTER (WHERE status = 'superseded'),
       count(*) FILTER (WHERE status = 'rejected')
FROM submissions;
