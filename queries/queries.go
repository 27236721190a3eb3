// Package queries holds the warehouse's SQL: the schema, the metrics and the
// public views, one statement per file, named for what it computes. Analysts
// read these files too; Go code loads them by name and never builds SQL.
// examples/ holds analysts' example queries, documented in docs/warehouse.md
// and run by the tests so that they keep working.
package queries

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

//go:embed *.sql
var files embed.FS

//go:embed examples/*.sql
var examples embed.FS

// SQL returns the statement in queries/<name>.sql. A missing file is a
// programming error, found by the first test that runs it.
func SQL(name string) string {
	b, err := files.ReadFile(name + ".sql")
	if err != nil {
		panic(fmt.Sprintf("queries: no %s.sql: %v", name, err))
	}
	return string(b)
}

// Examples returns the analysts' example queries by name (file name without
// .sql).
func Examples() map[string]string {
	out := map[string]string{}
	entries, _ := fs.ReadDir(examples, "examples")
	for _, e := range entries {
		b, _ := examples.ReadFile(path.Join("examples", e.Name()))
		out[strings.TrimSuffix(e.Name(), ".sql")] = string(b)
	}
	return out
}
