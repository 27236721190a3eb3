// Package warehouse owns the DuckDB file: its schema, loading read forms into
// it through Arrow in one transaction per run, and recomputing the metrics
// and public views of spec/outputs.md.
package warehouse

import (
	_ "github.com/apache/arrow-go/v18/arrow"
	_ "github.com/duckdb/duckdb-go/v2"
)
