package warehouse

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
)

// names is a table description's columns as "name TYPE", in DuckDB's
// spelling of their Arrow types.
func names[T any](t *loadedTable[T]) []string {
	sqlType := map[arrow.DataType]string{
		tString: "VARCHAR", tInt32: "INTEGER", tInt64: "BIGINT", tBool: "BOOLEAN", tDate: "DATE",
		tTime: "TIMESTAMP WITH TIME ZONE",
	}
	var out []string
	for _, c := range t.cols {
		out = append(out, c.name+" "+sqlType[c.typ])
	}
	slices.Sort(out)
	return out
}

// TestLoadedTablesMatchSchema: every loaded table's description (tables.go)
// has exactly the columns, and the types, that queries/ creates it with, so
// that the two can only change together.
func TestLoadedTablesMatchSchema(t *testing.T) {
	w := openTemp(t)
	ctx := context.Background()
	r, err := w.Begin(ctx, "inbox", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Rollback()
	for name, want := range map[string][]string{
		filesTable.name:       names(&filesTable),
		formsTable.name:       names(&formsTable),
		issuesTable.name:      names(&issuesTable),
		answersTable.name:     names(&answersTable),
		orgsTable.name:        names(&orgsTable),
		meetingsTable.name:    names(&meetingsTable),
		requestsTable.name:    names(&requestsTable),
		enterprisesTable.name: names(&enterprisesTable),
		visitsTable.name:      names(&visitsTable),
	} {
		rows, err := r.conn.QueryContext(ctx, "SELECT column_name || ' ' || column_type FROM (DESCRIBE "+name+")")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			got = append(got, c)
		}
		rows.Close()
		slices.Sort(got)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: the description (-) and the schema (+) differ:\n%s", name, d)
		}
	}
}
