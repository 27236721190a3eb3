package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
	"grassroots/pipeline/warehouse"
	"grassroots/pipeline/warehouse/warehousetest"
)

// smallWarehouse writes a warehouse with one accepted form and returns its path.
func smallWarehouse(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := warehouse.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	reg, err := registry.Parse(strings.NewReader("code,name,level,parent_code\n450100000000,南宁市,city,\n450109100201,龙象社区,community,450100000000\n"), "r.csv")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2021, 4, 2, 10, 0, 0, 0, time.UTC)
	f := &form.Form{Cover: form.Cover{Code: "450109100201", Period: "2021-03"}, Requests: []form.Request{
		{Row: 2, ID: "1", RequestedOn: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), State: form.StateResolved, ResolvedOn: time.Date(2021, 3, 2, 0, 0, 0, 0, time.UTC)},
	}}
	warehousetest.Load(t, w, reg, "inbox", at, warehousetest.Upload{Path: "a.xlsx", SHA256: "s", Received: at, Form: f})
	return path
}

func TestQuery(t *testing.T) {
	db := smallWarehouse(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // exact stdout when set
		contains string // else a substring of stdout+stderr
	}{
		{
			name:    "csv with NULL as an empty field",
			args:    []string{"query", "--db", db, "--format", "csv", "SELECT unit_code, metric, numerator, denominator, value FROM metric_values WHERE unit_code = '450109100201' AND metric IN ('requests_total', 'resolution_rate') ORDER BY metric"},
			wantOut: "unit_code,metric,numerator,denominator,value\n450109100201,requests_total,1,,1\n450109100201,resolution_rate,1,1,1\n",
		},
		{
			name:    "json keeps column order and null",
			args:    []string{"query", "--db", db, "--format", "json", "SELECT 'a' AS z, NULL AS a, DATE '2021-03-05' AS d"},
			wantOut: "[\n  {\"z\": \"a\", \"a\": null, \"d\": \"2021-03-05\"}\n]\n",
		},
		{
			name:     "table",
			args:     []string{"query", "--db", db, "SELECT count(*) AS n FROM submissions"},
			contains: "(1 rows)",
		},
		{
			name:     "a write is refused",
			args:     []string{"query", "--db", db, "DELETE FROM forms"},
			wantCode: exitUsage,
			contains: "read-only",
		},
		{
			name:     "files are out of reach without --allow-files",
			args:     []string{"query", "--db", db, "SELECT * FROM read_csv('/etc/passwd')"},
			wantCode: exitUsage,
			contains: "disabled",
		},
		{
			name:     "a missing warehouse exits 2",
			args:     []string{"query", "--db", filepath.Join(t.TempDir(), "none.duckdb"), "SELECT 1"},
			wantCode: exitFailed,
			contains: "none.duckdb",
		},
		{
			name:     "no SQL is a usage error",
			args:     []string{"query", "--db", db},
			wantCode: exitUsage,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if tt.wantOut != "" && stdout.String() != tt.wantOut {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), tt.wantOut)
			}
			if !strings.Contains(stdout.String()+stderr.String(), tt.contains) {
				t.Errorf("output lacks %q:\n%s%s", tt.contains, stdout.String(), stderr.String())
			}
		})
	}
	// After all that, the warehouse still has its data.
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"query", "--db", db, "--format", "csv", "SELECT count(*) AS n FROM forms"}, &stdout, &bytes.Buffer{}); code != 0 || stdout.String() != "n\n1\n" {
		t.Errorf("forms after the refused DELETE: exit %d, %q", code, stdout.String())
	}
}
