UPDATE runs SET finished_at = $2, files_seen = $3, files_read = $4 WHERE run_id = $1;
