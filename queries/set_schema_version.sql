INSERT OR REPLACE INTO meta VALUES ('schema_version', $1);
