package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRebuildOldWarehouse: a warehouse written by the previous release
// (testdata/schema3) is refused by a plain run, with the way out; `run
// --rebuild` refuses while the inbox lacks a file the warehouse read, and
// leaves the warehouse as it was; with the whole inbox it keeps the old
// file aside and loads the inbox into a new warehouse whose figures equal
// the old one's.
func TestRebuildOldWarehouse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the program as a process")
	}
	dir := t.TempDir()
	src := filepath.Join("testdata", "schema3")
	gz, err := os.ReadFile(filepath.Join(src, "warehouse.duckdb.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	old, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "w.duckdb")
	if err := os.WriteFile(db, old, 0o644); err != nil {
		t.Fatal(err)
	}
	inbox := filepath.Join(dir, "inbox")
	copyDir(t, filepath.Join(src, "inbox"), inbox)
	registry, err := filepath.Abs(filepath.Join(src, "registry.csv"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(extra ...string) (string, string, int) {
		return grassroots(t, dir, append([]string{"--log-level", "error", "run", "--inbox", inbox, "--registry", registry,
			"--db", db, "--out", filepath.Join(dir, "out"), "--period", "2021-01"}, extra...)...)
	}

	if _, stderr, code := run(); code != 2 || !strings.Contains(stderr, "schema 3") || !strings.Contains(stderr, "--rebuild") {
		t.Fatalf("plain run on the old warehouse: exit %d, %s", code, stderr)
	}

	// The inbox without one of its files: refused, nothing moved.
	hidden := filepath.Join(dir, "b.xlsx")
	if err := os.Rename(filepath.Join(inbox, "b.xlsx"), hidden); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := run("--rebuild"); code != 2 || !strings.Contains(stderr, "1 files") || !strings.Contains(stderr, "b.xlsx") {
		t.Fatalf("rebuild with a file missing: exit %d, %s", code, stderr)
	}
	if now, err := os.ReadFile(db); err != nil || !bytes.Equal(now, old) {
		t.Fatalf("the refused rebuild changed the warehouse (err %v)", err)
	}
	if err := os.Rename(hidden, filepath.Join(inbox, "b.xlsx")); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, code := run("--rebuild")
	if code != 0 || !strings.Contains(stdout, "rebuilt: the warehouse of an older grassroots is kept as "+db+".schema3-") {
		t.Fatalf("rebuild: exit %d\n%s%s", code, stdout, stderr)
	}
	kept, _ := filepath.Glob(db + ".schema3-*.bak")
	if len(kept) != 1 {
		t.Fatalf("kept aside: %v", kept)
	}
	query := func(db, q string) string {
		t.Helper()
		out, stderr, code := grassroots(t, dir, "query", "--db", db, "--format", "csv", q)
		if code != 0 {
			t.Fatalf("query %s: exit %d: %s", db, code, stderr)
		}
		return out
	}
	if got := query(db, `SELECT value FROM meta WHERE key = 'schema_version'`); got == "value\n3\n" {
		t.Errorf("the rebuilt warehouse is still schema 3")
	}
	// The same forms, statuses and figures (the metrics the old release had).
	for _, q := range []string{
		`SELECT path, sha256, unit_code, period, status, errors, warnings FROM submissions ORDER BY ALL`,
		`SELECT period, unit_code, metric, numerator, denominator, value FROM metric_values
		 WHERE metric IN (SELECT metric FROM metric_values GROUP BY metric) ORDER BY ALL`,
	} {
		before, after := query(kept[0], q), query(db, strings.Replace(q, "WHERE metric IN (SELECT metric FROM metric_values GROUP BY metric)",
			"WHERE metric IN ("+quoted(metricsOf(t, query(kept[0], `SELECT DISTINCT metric FROM metric_values ORDER BY 1`)))+")", 1))
		if before != after || strings.Count(before, "\n") < 3 {
			t.Errorf("%s\nold warehouse:\n%s\nrebuilt:\n%s", q, before, after)
		}
	}
	// Nothing to rebuild on a current warehouse.
	if _, stderr, code := run("--rebuild"); code != 0 {
		t.Errorf("rebuild of a current warehouse: exit %d: %s", code, stderr)
	}
	if k, _ := filepath.Glob(db + ".schema*.bak"); len(k) != 1 {
		t.Errorf("a current warehouse was moved aside: %v", k)
	}
}

// metricsOf is the metric column of a one-column CSV with a header.
func metricsOf(t *testing.T, csv string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) < 2 {
		t.Fatalf("no metrics in %q", csv)
	}
	return lines[1:]
}

func quoted(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	return strings.Join(q, ", ")
}
