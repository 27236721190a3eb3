package main

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
	"grassroots/pipeline/warehouse"
	"grassroots/pipeline/warehouse/warehousetest"
)

// Two districts stand for two cities, and their city for the province: the
// registry knows no level above city.
const (
	yongningRegistry = "code,name,level,parent_code\n450109000000,邕宁区,district,\n450109100201,龙象社区,community,450109000000\n"
	qingxiuRegistry  = "code,name,level,parent_code\n450103000000,青秀区,district,\n450103100201,坛乐村,village,450103000000\n"
	nanningRegistry  = "code,name,level,parent_code\n450100000000,南宁市,city,\n" +
		"450109000000,邕宁区,district,450100000000\n450109100201,龙象社区,community,450109000000\n" +
		"450103000000,青秀区,district,450100000000\n450103100201,坛乐村,village,450103000000\n"
)

// cityWarehouse writes a warehouse of one city with one accepted form of
// unit in 2021-03 and returns its path.
func cityWarehouse(t *testing.T, dir, registryCSV, unit string) string {
	t.Helper()
	path := filepath.Join(dir, "w.duckdb")
	w, err := warehouse.Open(context.Background(), path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	reg, err := registry.Parse(strings.NewReader(registryCSV), "r.csv")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2021, 4, 2, 10, 0, 0, 0, time.UTC)
	f := &form.Form{Cover: form.Cover{Code: unit, Period: "2021-03"}, Requests: []form.Request{
		{Row: 2, ID: "1", RequestedOn: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), State: form.StateResolved, ResolvedOn: time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC)},
		{Row: 3, ID: "2", RequestedOn: time.Date(2021, 3, 2, 0, 0, 0, 0, time.UTC), State: "办理中"},
	}}
	warehousetest.Load(t, w, reg, "inbox", at, warehousetest.Upload{Path: unit + ".xlsx", Received: at, Form: f})
	return path
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(to, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestExportCombine: two cities' warehouses exported and combined under the
// registry above them through the command line, and every refusal of
// combine (exit 2, naming the lake or the unit) and of bad usage (exit 1).
func TestExportCombine(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"yongning", "qingxiu", "lakes"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	yongningDB := cityWarehouse(t, filepath.Join(dir, "yongning"), yongningRegistry, "450109100201")
	qingxiuDB := cityWarehouse(t, filepath.Join(dir, "qingxiu"), qingxiuRegistry, "450103100201")
	nanning := writeFile(t, filepath.Join(dir, "nanning.csv"), nanningRegistry)
	yongningOnly := writeFile(t, filepath.Join(dir, "yongning.csv"), yongningRegistry)
	yongningLake, qingxiuLake := filepath.Join(dir, "lakes", "yongning"), filepath.Join(dir, "lakes", "qingxiu")
	for _, c := range []struct{ db, lake string }{{yongningDB, yongningLake}, {qingxiuDB, qingxiuLake}} {
		code, out, stderr := runCLI("export", "--db", c.db, "--to", c.lake)
		if code != exitOK || !strings.Contains(out, "files written") {
			t.Fatalf("export %s: exit %d, stdout %q, stderr %q", c.db, code, out, stderr)
		}
	}
	// A lake of another layout version, and a copy of Yongning's lake under
	// another name (the same units: overlapping).
	oldLake := filepath.Join(dir, "lakes", "old")
	copyDir(t, yongningLake, oldLake)
	manifest := filepath.Join(oldLake, "_manifest.json")
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, manifest, strings.Replace(string(b), `"schema_version": 1`, `"schema_version": 99`, 1))
	twin := filepath.Join(dir, "lakes", "twin")
	copyDir(t, yongningLake, twin)
	combined := filepath.Join(dir, "combined", "w.duckdb")

	code, out, stderr := runCLI("combine", "--lake", yongningLake, "--lake", qingxiuLake, "--registry", nanning, "--db", combined)
	if code != exitOK || !strings.Contains(out, "combined 2 lakes (yongning, qingxiu)") {
		t.Fatalf("combine: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	// The city's figures are its two districts' lakes' sums: 1 resolved of 2.
	code, out, stderr = runCLI("query", "--db", combined, "--format", "csv",
		"SELECT unit_code, numerator, denominator FROM metric_values WHERE metric = 'resolution_rate' AND level = 'city'")
	if want := "unit_code,numerator,denominator\n450100000000,2,4\n"; code != exitOK || out != want {
		t.Errorf("city resolution_rate: exit %d, %q (stderr %q), want %q", code, out, stderr, want)
	}

	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // in stderr
	}{
		{"lake of another schema version",
			[]string{"combine", "--lake", yongningLake, "--lake", oldLake, "--registry", nanning, "--db", filepath.Join(dir, "x.duckdb")},
			exitFailed, []string{"lake of another schema version", oldLake, "schema_version 99"}},
		{"overlapping lakes",
			[]string{"combine", "--lake", yongningLake, "--lake", twin, "--registry", nanning, "--db", filepath.Join(dir, "x.duckdb")},
			exitFailed, []string{"lakes overlap", "450109100201 in 2021-03", "yongning", "twin"}},
		{"units missing from the registry",
			[]string{"combine", "--lake", yongningLake, "--lake", qingxiuLake, "--registry", yongningOnly, "--db", filepath.Join(dir, "x.duckdb")},
			exitFailed, []string{"units missing from the registry", "450103100201 (lake qingxiu)"}},
		{"a city's own warehouse is not replaced",
			[]string{"combine", "--lake", yongningLake, "--registry", nanning, "--db", yongningDB},
			exitFailed, []string{"not a warehouse built by combine", yongningDB}},
		{"no lake", []string{"combine", "--registry", nanning, "--db", combined}, exitUsage, []string{"at least one --lake"}},
		{"export without --to", []string{"export", "--db", yongningDB}, exitUsage, []string{"--to DIR"}},
		{"export of no warehouse", []string{"export", "--db", filepath.Join(dir, "none.duckdb"), "--to", filepath.Join(dir, "l")}, exitFailed, []string{"none.duckdb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not say %q", stderr, w)
				}
			}
		})
	}
	// The refusals left the combined warehouse as it was, and no half-built
	// file.
	if _, err := os.Stat(filepath.Join(dir, "x.duckdb")); err == nil {
		t.Error("a refused combine left x.duckdb")
	}
	if _, err := os.Stat(combined + ".combining"); err == nil {
		t.Error("combine left its .combining file")
	}
	// A second combine replaces the warehouse it built.
	if code, out, stderr := runCLI("combine", "--lake", yongningLake, "--registry", nanning, "--db", combined); code != exitOK {
		t.Errorf("second combine: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}
