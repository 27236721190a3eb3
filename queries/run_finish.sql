-- files_read is the older name of forms_read (kept for analysts' queries).
UPDATE runs SET finished_at = $2, files_seen = $3, files_read = $4, forms_read = $4, status = 'committed'
WHERE run_id = $1;
