package lake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"grassroots/pipeline/lake"
	"grassroots/pipeline/nightly"
	"grassroots/pipeline/warehouse"
)

// TestExportEmptyWarehouse: a warehouse without any form, whether a run saw
// an empty inbox or no run refreshed it yet (no views), exports a manifest
// with every table of months at zero rows and no file of months; only the
// registry and runs a run recorded have rows.
func TestExportEmptyWarehouse(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		make     func(t *testing.T, db string)
		withRows []string // tables that do have rows
	}{
		{"a run over an empty inbox", func(t *testing.T, db string) {
			inbox := filepath.Join(filepath.Dir(db), "inbox")
			os.MkdirAll(inbox, 0o755)
			if err := load(ctx, inbox, "../../fixtures/sample/registry.csv", db); err != nil {
				t.Fatal(err)
			}
		}, []string{"registry", "runs"}},
		{"no run yet", func(t *testing.T, db string) {
			w, err := warehouse.Open(ctx, db, quietLogger)
			if err != nil {
				t.Fatal(err)
			}
			w.Close()
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db, lk := filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "lake")
			tt.make(t, db)
			if _, err := lake.Export(ctx, db, lk, quietLogger); err != nil {
				t.Fatal(err)
			}
			m, err := lake.ReadManifest(lk)
			if err != nil {
				t.Fatal(err)
			}
			if m.Version != lake.Version {
				t.Errorf("schema_version %d, want %d", m.Version, lake.Version)
			}
			for _, name := range []string{"metric_values", "metric_facts", "request_days", "reporting_status", "submissions", "issues", "requests", "metric_flags", "metric_changes", "registry", "runs"} {
				tab := m.Tables[name]
				if tab == nil {
					t.Errorf("manifest has no table %s", name)
					continue
				}
				if slices.Contains(tt.withRows, name) {
					if tab.Rows == 0 {
						t.Errorf("%s: 0 rows, want the run's", name)
					}
					continue
				}
				if tab.Rows != 0 || len(tab.Periods) != 0 {
					t.Errorf("%s: %d rows in %d months, want none", name, tab.Rows, len(tab.Periods))
				}
			}
			filepath.WalkDir(lk, func(p string, d fs.DirEntry, err error) error {
				if err == nil && strings.Contains(p, "period=") {
					t.Errorf("%s written for an empty warehouse", p)
				}
				return err
			})
		})
	}
}

// TestExportRemovesGoneMonths: a month that the previous export wrote and
// that no longer has rows is removed, file and folder, and leaves the
// manifest; a stale hidden file of a stopped export does not count.
func TestExportRemovesGoneMonths(t *testing.T) {
	w := getWorld(t)
	ctx := context.Background()
	lk := filepath.Join(t.TempDir(), "lake")
	copyTree(w.cities[2].lake, lk, nil)
	m, err := lake.ReadManifest(lk)
	if err != nil {
		t.Fatal(err)
	}
	// As if an earlier export had written 2020-12.
	gone := "metric_values/period=2020-12/data.parquet"
	if err := os.MkdirAll(filepath.Join(lk, filepath.Dir(gone)), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(lk, gone), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(lk, filepath.Dir(gone), ".data.parquet.tmp"), []byte("stopped"), 0o644)
	m.Tables["metric_values"].Periods["2020-12"] = &lake.Part{File: gone, Rows: 1, Digest: "x"}
	b, _ := json.Marshal(m)
	os.WriteFile(filepath.Join(lk, lake.ManifestFile), b, 0o644)

	res, err := lake.Export(ctx, w.cities[2].db, lk, quietLogger)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) != 1 || res.Removed[0] != gone {
		t.Errorf("removed %v, want [%s]", res.Removed, gone)
	}
	if len(res.Written) != 0 {
		t.Errorf("rewrote %v, want nothing: the warehouse did not change", res.Written)
	}
	if _, err := os.Stat(filepath.Join(lk, filepath.Dir(gone))); err == nil {
		t.Errorf("%s still there", filepath.Dir(gone))
	}
	m, err = lake.ReadManifest(lk)
	if err != nil {
		t.Fatal(err)
	}
	if m.Tables["metric_values"].Periods["2020-12"] != nil {
		t.Error("the manifest still lists 2020-12")
	}
}

// TestCombineKeepsCitysTimeliness: a city whose deadline day is not the
// combine's keeps its own on-time decisions (and so its timely_rate) in the
// combined warehouse: combine never decides timeliness again.
func TestCombineKeepsCitysTimeliness(t *testing.T) {
	w := getWorld(t)
	ctx := context.Background()
	c := w.cities[2]
	dir := t.TempDir()
	db, lk := filepath.Join(dir, "w.duckdb"), filepath.Join(dir, c.code)
	// Day 1 of the next month: many forms the default day 5 finds on time
	// are late here.
	if _, err := nightly.Run(ctx, nightly.Config{Inbox: c.inbox, Registry: c.registry, DB: db, DeadlineDay: 1,
		Now: func() time.Time { return runAt }, Log: quietLogger}); err != nil {
		t.Fatal(err)
	}
	if _, err := lake.Export(ctx, db, lk, quietLogger); err != nil {
		t.Fatal(err)
	}
	combined := filepath.Join(dir, "combined.duckdb")
	if _, err := lake.Combine(ctx, lake.CombineConfig{Lakes: []string{lk}, Registry: w.registry, DB: combined,
		Now: func() time.Time { return runAt }, Log: quietLogger}); err != nil {
		t.Fatal(err)
	}
	const q = `SELECT period, unit_code, status, on_time, received_at, deadline FROM reporting_status WHERE unit_code IN (%s) ORDER BY ALL`
	units := fmt.Sprintf(`SELECT code FROM units WHERE level IN ('village', 'community') AND code LIKE '%s%%'`, c.code[:6])
	got := rowsOf(t, openDB(t, combined), fmt.Sprintf(q, units))
	want := rowsOf(t, openDB(t, db), fmt.Sprintf(q, units))
	diffLines(t, "reporting_status of the city", got, want)
	timely := `SELECT period, numerator, denominator FROM metric_values WHERE metric = 'timely_rate' AND unit_code = ? ORDER BY period`
	diffLines(t, "the city's timely_rate", rowsOf(t, openDB(t, combined), timely, c.code), rowsOf(t, openDB(t, db), timely, c.code))
	// Meaningful only if day 1 and day 5 differ for some form.
	if day5 := rowsOf(t, openDB(t, c.db), timely, c.code); slices.Equal(day5, rowsOf(t, openDB(t, db), timely, c.code)) {
		t.Fatalf("deadline day 1 and 5 give the same timely_rate %v: the test proves nothing", day5)
	}
}
