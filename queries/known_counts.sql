-- How many contents and files the warehouse knows: the sizes of the maps
-- that known_forms.sql and known_files.sql fill (Run.begin).
SELECT (SELECT count(*) FROM forms), (SELECT count(*) FROM files);
