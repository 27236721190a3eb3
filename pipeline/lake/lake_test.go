package lake_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"grassroots/fixtures"
	"grassroots/pipeline/calendar"
	"grassroots/pipeline/lake"
	"grassroots/pipeline/nightly"
	"grassroots/pipeline/registry"
)

// The world of these tests: one generated city registry whose districts
// stand for a province's cities. Three of the four get their own inbox
// (their townships' folders), registry (their subtree), warehouse and lake;
// the fourth sends nothing. The province warehouse is loaded with the three
// inboxes' forms under the whole registry; the combined one is built from
// the three lakes and the same registry.
type world struct {
	dir               string
	registry          string // the whole registry
	cities            []*city
	provinceInbox     string
	provinceDB        string
	combinedDB        string
	combinedOut       string
	combined          *lake.CombineResult
	absentDistrict    string
	residentsAndClerk []string // names and phones that must never leave
}

type city struct {
	code, registry, inbox, db, lake string
}

var (
	theWorld    *world
	worldErr    error
	worldOnce   sync.Once
	worldDirs   []string
	runAt       = time.Date(2021, 3, 25, 20, 0, 0, 0, calendar.Shanghai)
	quietLogger = slog.New(slog.DiscardHandler)
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range worldDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

func getWorld(t *testing.T) *world {
	t.Helper()
	worldOnce.Do(func() { theWorld, worldErr = buildWorld() })
	if worldErr != nil {
		t.Fatal(worldErr)
	}
	return theWorld
}

func buildWorld() (*world, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "lake-test-")
	if err != nil {
		return nil, err
	}
	worldDirs = append(worldDirs, dir)
	gen := filepath.Join(dir, "gen")
	if _, err := fixtures.Generate(gen, fixtures.Options{Villages: 48, Months: 2, Seed: 15, Volume: 30}); err != nil {
		return nil, err
	}
	w := &world{dir: dir, registry: filepath.Join(gen, "registry.csv"),
		provinceInbox: filepath.Join(dir, "province", "inbox"), provinceDB: filepath.Join(dir, "province", "w.duckdb"),
		combinedDB: filepath.Join(dir, "combined", "w.duckdb"), combinedOut: filepath.Join(dir, "combined", "out")}
	reg, err := registry.Load(w.registry)
	if err != nil {
		return nil, err
	}
	var districts []string
	for _, u := range reg.Units() {
		if u.Level == registry.LevelDistrict {
			districts = append(districts, u.Code)
		}
	}
	slices.Sort(districts)
	if len(districts) < 4 {
		return nil, fmt.Errorf("want 4 districts, the fixtures have %d", len(districts))
	}
	w.absentDistrict = districts[3]
	districtOf := func(code string) string {
		for _, a := range append([]registry.Unit{mustUnit(reg, code)}, reg.Ancestors(code)...) {
			if a.Level == registry.LevelDistrict {
				return a.Code
			}
		}
		return ""
	}
	townshipDistrict := map[string]string{} // township name (its inbox folder) → district
	for _, u := range reg.Units() {
		if u.Level == registry.LevelTownship {
			townshipDistrict[u.Name] = districtOf(u.Code)
		}
	}
	for _, d := range districts[:3] {
		c := &city{code: d, registry: filepath.Join(dir, d, "registry.csv"), inbox: filepath.Join(dir, d, "inbox"),
			db: filepath.Join(dir, d, "w.duckdb"), lake: filepath.Join(dir, "lakes", d)}
		var rows [][]string
		for _, u := range reg.Units() {
			if u.Code == d {
				rows = append(rows, []string{u.Code, u.Name, string(u.Level), ""})
			} else if districtOf(u.Code) == d {
				rows = append(rows, []string{u.Code, u.Name, string(u.Level), u.ParentCode})
			}
		}
		if err := writeCSV(c.registry, rows); err != nil {
			return nil, err
		}
		w.cities = append(w.cities, c)
	}
	entries, err := os.ReadDir(filepath.Join(gen, "inbox"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		from := filepath.Join(gen, "inbox", e.Name())
		if !e.IsDir() { // receipts.csv: every inbox gets all of it
			for _, c := range w.cities {
				if err := copyTree(from, filepath.Join(c.inbox, e.Name()), nil); err != nil {
					return nil, err
				}
			}
			if err := copyTree(from, filepath.Join(w.provinceInbox, e.Name()), nil); err != nil {
				return nil, err
			}
			continue
		}
		d, ok := townshipDistrict[e.Name()]
		if !ok {
			return nil, fmt.Errorf("inbox folder %s is no township", e.Name())
		}
		for _, c := range w.cities {
			if c.code == d {
				if err := copyTree(from, filepath.Join(c.inbox, e.Name()), nil); err != nil {
					return nil, err
				}
				if err := copyTree(from, filepath.Join(w.provinceInbox, e.Name()), nil); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, c := range w.cities {
		if err := load(ctx, c.inbox, c.registry, c.db); err != nil {
			return nil, err
		}
		if _, err := lake.Export(ctx, c.db, c.lake, quietLogger); err != nil {
			return nil, err
		}
	}
	if err := load(ctx, w.provinceInbox, w.registry, w.provinceDB); err != nil {
		return nil, err
	}
	w.combined, err = lake.Combine(ctx, lake.CombineConfig{
		Lakes: []string{w.cities[0].lake, w.cities[1].lake, w.cities[2].lake}, Registry: w.registry,
		DB: w.combinedDB, Out: w.combinedOut, Now: func() time.Time { return runAt }, Log: quietLogger,
	})
	if err != nil {
		return nil, err
	}
	// Residents' names and phones, and the clerks' too (the lake leaves
	// them out), as the warehouses of forms hold them.
	seen := map[string]bool{}
	for _, c := range w.cities {
		vals, err := strings1(c.db, `SELECT DISTINCT v FROM (
			SELECT resident AS v FROM request_rows UNION ALL SELECT resident_phone FROM request_rows
			UNION ALL SELECT filled_by FROM forms UNION ALL SELECT phone FROM forms)
			WHERE v IS NOT NULL AND length(v) >= 2`)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			if !seen[v] {
				seen[v] = true
				w.residentsAndClerk = append(w.residentsAndClerk, v)
			}
		}
	}
	return w, nil
}

func mustUnit(reg *registry.Registry, code string) registry.Unit {
	u, _ := reg.Unit(code)
	return u
}

// load is the nightly batch on one inbox, without workbooks.
func load(ctx context.Context, inbox, reg, db string) error {
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		return err
	}
	_, err := nightly.Run(ctx, nightly.Config{Inbox: inbox, Registry: reg, DB: db, Workers: 2,
		Now: func() time.Time { return runAt }, Log: quietLogger})
	return err
}

func writeCSV(path string, rows [][]string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	cw.Write([]string{"code", "name", "level", "parent_code"})
	cw.WriteAll(rows)
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// copyTree copies a file or folder, keeping modification times (they are
// receipt times), leaving out the files skip says.
func copyTree(from, to string, skip func(rel string) bool) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if skip != nil && skip(filepath.ToSlash(rel)) {
			return nil
		}
		dst := filepath.Join(to, rel)
		if rel == "." {
			dst = to
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chtimes(dst, st.ModTime(), st.ModTime())
	})
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	dsn := ""
	if path != "" {
		dsn = path + "?access_mode=READ_ONLY"
	}
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rowsOf renders every row of a query as one line of text.
func rowsOf(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				parts[i] = "NULL"
			} else {
				parts[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func strings1(path, query string) ([]string, error) {
	db, err := sql.Open("duckdb", path+"?access_mode=READ_ONLY")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// diffLines fails with the first differences between two sorted renderings.
func diffLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	var b strings.Builder
	g := map[string]bool{}
	for _, s := range got {
		g[s] = true
	}
	w := map[string]bool{}
	for _, s := range want {
		w[s] = true
	}
	n := 0
	for _, s := range want {
		if !g[s] && n < 10 {
			fmt.Fprintf(&b, "\n  only in the expected: %s", s)
			n++
		}
	}
	for _, s := range got {
		if !w[s] && n < 20 {
			fmt.Fprintf(&b, "\n  only in the combined: %s", s)
			n++
		}
	}
	t.Errorf("%s: combined has %d rows, expected %d:%s", what, len(got), len(want), b.String())
}

// TestCombineEqualsOneWarehouse: three cities' lakes combined under the
// province registry give, figure for figure, what one warehouse loaded with
// the three cities' forms gives: every (period, unit, metric) numerator and
// denominator, medians included, and the same flags, reporting status and
// submissions.
func TestCombineEqualsOneWarehouse(t *testing.T) {
	w := getWorld(t)
	combined, province := openDB(t, w.combinedDB), openDB(t, w.provinceDB)
	checks := []struct{ name, query string }{
		{"metric_values", `SELECT period, unit_code, unit_name, level, metric, numerator, denominator, value FROM metric_values ORDER BY ALL`},
		{"metric_values_current", `SELECT * FROM metric_values_current ORDER BY ALL`},
		{"metric_flags", `SELECT * FROM metric_flags ORDER BY ALL`},
		{"reporting_status", `SELECT period, unit_code, unit_name, level, township_code, district_code, status, received_at, deadline, on_time, files, reason FROM reporting_status ORDER BY ALL`},
		{"submissions", `SELECT sha256, unit_code, period, received_at, status, errors, warnings, version, rows_read, rows_rejected FROM submissions ORDER BY ALL`},
		{"issues", `SELECT sha256, sheet, cell, code, severity, value, message FROM issues ORDER BY ALL`},
		{"requests", `SELECT * FROM requests ORDER BY ALL`},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			got, want := rowsOf(t, combined, c.query), rowsOf(t, province, c.query)
			if len(want) == 0 {
				t.Fatalf("the province warehouse has no %s: the comparison would prove nothing", c.name)
			}
			diffLines(t, c.name, got, want)
		})
	}
	// The comparison covers what it should: medians, units that reported
	// nothing (the fourth district), several lakes' paths.
	for _, q := range []string{
		`SELECT count(*) FROM metric_values WHERE metric = 'days_to_resolve_median' AND value IS NOT NULL AND level = 'village'`,
		`SELECT count(*) FROM metric_values WHERE metric = 'days_to_resolve_median' AND value IS NOT NULL AND level = 'city'`,
		fmt.Sprintf(`SELECT count(*) FROM reporting_status WHERE district_code = '%s' AND status = 'missing'`, w.absentDistrict),
		`SELECT count(*) FROM submissions WHERE status = 'rejected'`,
		`SELECT count(*) FROM submissions WHERE period IS NULL`,
	} {
		if n := rowsOf(t, combined, q); n[0] == "0" {
			t.Errorf("%s: 0, the comparison would not cover it", q)
		}
	}
	paths := rowsOf(t, combined, `SELECT DISTINCT split_part(path, '/', 1) FROM submissions ORDER BY 1`)
	want := []string{w.cities[0].code, w.cities[1].code, w.cities[2].code}
	if !slices.Equal(paths, want) {
		t.Errorf("combined paths start with %v, want the lakes' names %v", paths, want)
	}
	if w.combined.Summary == "" || !fileExists(w.combined.Summary) {
		t.Errorf("combine wrote no summary workbook (%q) in %s", w.combined.Summary, w.combinedOut)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestReadLakeWithDuckDB runs the DuckDB queries of docs/lake.md on a city's
// lake with plain DuckDB (read_parquet with hive_partitioning): the city's
// resolution_rate recomputed from the facts, and its median days to resolve
// from the histogram, equal the city's metric_values.
func TestReadLakeWithDuckDB(t *testing.T) {
	w := getWorld(t)
	c := w.cities[1]
	doc, err := os.ReadFile("../../docs/lake.md")
	if err != nil {
		t.Fatal(err)
	}
	queries := docQueries(string(doc), "duckdb")
	if len(queries) < 2 {
		t.Fatalf("docs/lake.md has %d ```sql duckdb blocks, want the rate and the median", len(queries))
	}
	mem := openDB(t, "")
	warehouse := openDB(t, c.db)
	for i, q := range queries {
		q = strings.ReplaceAll(q, "'lake/", "'"+filepath.ToSlash(c.lake)+"/")
		got := rowsOf(t, mem, q)
		// Each documented query gives (period, unit_code, metric, value)
		// for the city's top unit, as metric_values has them.
		if len(got) == 0 {
			t.Fatalf("docs query %d gives no row", i+1)
		}
		var want []string
		for _, g := range got {
			f := strings.Split(g, "|")
			v := rowsOf(t, warehouse, `SELECT period, unit_code, metric, value FROM metric_values WHERE period = ? AND unit_code = ? AND metric = ?`, f[0], f[1], f[2])
			want = append(want, v...)
		}
		if !slices.Equal(got, want) {
			t.Errorf("docs query %d:\n%s\ngives %v, metric_values %v", i+1, q, got, want)
		}
		if !strings.Contains(got[0], c.code) {
			t.Errorf("docs query %d gives %v, not the city %s", i+1, got, c.code)
		}
	}
}

// docQueries returns the ```sql <engine> blocks of a Markdown text.
func docQueries(doc, engine string) []string {
	var out []string
	for _, part := range strings.Split(doc, "```sql "+engine+"\n")[1:] {
		out = append(out, part[:strings.Index(part, "```")])
	}
	return out
}

// TestNoPersonalDataExported: no resident's name or phone, and no clerk's,
// appears in any file of the lakes. Parquet compresses its pages, so the
// bytes of a Parquet file would not show a name even if it were there: each
// file is decoded with DuckDB and every value of every row searched; other
// files (the manifest) are searched as they are.
func TestNoPersonalDataExported(t *testing.T) {
	w := getWorld(t)
	if len(w.residentsAndClerk) < 20 {
		t.Fatalf("only %d names and phones in the warehouses: the search would prove little", len(w.residentsAndClerk))
	}
	mem := openDB(t, "")
	files := 0
	for _, c := range w.cities {
		err := filepath.WalkDir(c.lake, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			var text string
			if strings.HasSuffix(p, ".parquet") {
				if err := mem.QueryRow(`SELECT coalesce(string_agg(t::VARCHAR, chr(10)), '') FROM read_parquet(?) t`, p).Scan(&text); err != nil {
					return err
				}
			} else {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				text = string(b)
			}
			files++
			for _, v := range w.residentsAndClerk {
				if strings.Contains(text, v) {
					t.Errorf("%s holds %q, a resident's or clerk's name or phone", p, v)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 30 {
		t.Errorf("searched %d files, want every file of three lakes", files)
	}
}

// TestExportRewritesOnlyChangedMonth: after a run that adds one form, a
// second export rewrites only that form's month (and runs, which every run
// changes): the other months' files keep their bytes.
func TestExportRewritesOnlyChangedMonth(t *testing.T) {
	w := getWorld(t)
	ctx := context.Background()
	c := w.cities[0]
	// A form that is its unit's only file for the month and lists only
	// requests of that month, of a unit without relisted requests whose
	// date changed: adding it changes that month only (a form listing an
	// older request would restate that request's month).
	paths, err := strings1(c.db, `SELECT s.period || ' ' || s.path FROM submission_status s
		WHERE s.status = 'accepted'
		  AND NOT EXISTS (SELECT 1 FROM request_rows r WHERE r.sha256 = s.sha256 AND strftime(r.requested_on, '%Y-%m') <> s.period)
		  AND (SELECT count(*) FROM submission_status o WHERE o.unit_code = s.unit_code AND o.period = s.period) = 1
		  AND NOT EXISTS (SELECT 1 FROM request_date_issues d WHERE d.unit_code = s.unit_code)
		ORDER BY s.period DESC, s.path LIMIT 1`)
	if err != nil || len(paths) == 0 {
		t.Fatalf("no form to add (%v)", err)
	}
	addedMonth, added, _ := strings.Cut(paths[0], " ")
	dir := t.TempDir()
	inbox, db, lk := filepath.Join(dir, "inbox"), filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "lake")
	if err := copyTree(c.inbox, inbox, func(rel string) bool { return rel == added }); err != nil {
		t.Fatal(err)
	}
	if err := load(ctx, inbox, c.registry, db); err != nil {
		t.Fatal(err)
	}
	first, err := lake.Export(ctx, db, lk, quietLogger)
	if err != nil {
		t.Fatal(err)
	}
	before := hashes(t, lk)
	if err := copyTree(filepath.Join(c.inbox, added), filepath.Join(inbox, added), nil); err != nil {
		t.Fatal(err)
	}
	if err := load(ctx, inbox, c.registry, db); err != nil {
		t.Fatal(err)
	}
	second, err := lake.Export(ctx, db, lk, quietLogger)
	if err != nil {
		t.Fatal(err)
	}
	after := hashes(t, lk)
	month := "/period=" + addedMonth + "/"
	var changed []string
	for f, h := range after {
		if before[f] != h {
			changed = append(changed, f)
		}
	}
	for f := range before {
		if _, ok := after[f]; !ok {
			changed = append(changed, f)
		}
	}
	slices.Sort(changed)
	for _, f := range changed {
		if !strings.Contains(f, month) && f != "runs/data.parquet" && f != lake.ManifestFile {
			t.Errorf("%s changed: only the month %s of the added form %s should", f, addedMonth, added)
		}
	}
	for _, f := range []string{"metric_values" + month + "data.parquet", "submissions" + month + "data.parquet", "runs/data.parquet"} {
		if !slices.Contains(changed, f) {
			t.Errorf("%s unchanged after adding %s; changed: %v", f, added, changed)
		}
	}
	if len(second.Unchanged) == 0 || len(second.Written) >= len(first.Written) {
		t.Errorf("second export wrote %d and kept %d files; the first wrote %d", len(second.Written), len(second.Unchanged), len(first.Written))
	}
	// Written lists exactly the files whose bytes changed.
	written := slices.Clone(second.Written)
	slices.Sort(written)
	changedParts := slices.DeleteFunc(slices.Clone(changed), func(f string) bool { return f == lake.ManifestFile })
	if !slices.Equal(written, changedParts) {
		t.Errorf("Written %v, files changed %v", written, changedParts)
	}
}

// hashes maps every file of a lake (relative, with '/') to its sha256.
func hashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == ".lock" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h := sha256.Sum256(b)
		out[filepath.ToSlash(rel)] = hex.EncodeToString(h[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
