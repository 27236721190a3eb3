-- The file of the next COPY as a variable: COPY's target may be an
-- expression but not a subquery.
SET VARIABLE lake_out = (SELECT out FROM lake_target);
