package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-golden +got; go test -update rewrites it):\n%s", path, diff)
	}
}

// `grassroots validate` on the committed sample prints exactly the issues its
// manifest lists for the form and registry stages (the warehouse stage needs
// other files and receipt times), and exits 1 because some are rejections.
func TestValidateSample(t *testing.T) {
	const sample = "../../fixtures/sample"
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"validate", "--registry", sample + "/registry.csv", sample + "/inbox"}, &stdout, &stderr)
	if code != exitUsage {
		t.Errorf("exit %d, want %d (the sample has rejected files); stderr: %s", code, exitUsage, stderr.String())
	}
	golden(t, "validate-sample.golden", stdout.String())

	// Issue lines are `path: sheet!cell: code: message`; summary lines are
	// `path: accepted|rejected: …`.
	var got [][]string
	prefix := sample + "/inbox/"
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		parts := strings.SplitN(rest, ": ", 4)
		if len(parts) < 4 {
			continue // a summary line
		}
		sheet, cell, _ := strings.Cut(parts[1], "!")
		if sheet == "-" {
			sheet = ""
		}
		got = append(got, []string{parts[0], sheet, cell, parts[2]})
	}
	f, err := os.Open(filepath.Join(sample, "expected-issues.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	for _, r := range recs[1:] {
		if r[5] != "warehouse" {
			want = append(want, r[:4])
		}
	}
	less := func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) }
	slices.SortFunc(got, less)
	slices.SortFunc(want, less)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("validate's issues (-manifest +printed):\n%s", diff)
	}
}
