// Package queries holds the warehouse's SQL: the schema, the metrics and the
// public views, one statement per file, named for what it computes. Analysts
// read these files too; Go code loads them by name and never builds SQL.
package queries

import (
	"embed"
	"fmt"
)

//go:embed *.sql
var files embed.FS

// SQL returns the statement in queries/<name>.sql. A missing file is a
// programming error, found by the first test that runs it.
func SQL(name string) string {
	b, err := files.ReadFile(name + ".sql")
	if err != nil {
		panic(fmt.Sprintf("queries: no %s.sql: %v", name, err))
	}
	return string(b)
}
