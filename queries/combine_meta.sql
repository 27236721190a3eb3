-- Marks a warehouse that grassroots combine built from lakes: combine
-- replaces only such a file, never a city's own warehouse.
INSERT OR REPLACE INTO meta VALUES ('built_by', 'combine');
