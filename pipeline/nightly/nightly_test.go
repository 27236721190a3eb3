package nightly

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"grassroots/fixtures"
	"grassroots/fixtures/fixturestest"
	"grassroots/pipeline/calendar"
	"grassroots/pipeline/warehouse"
)

// generated writes a small synthetic inbox with every injected fault.
func generated(t *testing.T, villages, months int) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := fixtures.Generate(dir, fixtures.Options{Villages: villages, Months: months, Seed: 7, Volume: 30}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func config(dir string) Config {
	return Config{
		Inbox:    filepath.Join(dir, "inbox"),
		Registry: filepath.Join(dir, "registry.csv"),
		DB:       filepath.Join(dir, "w.duckdb"),
		Log:      slog.New(slog.DiscardHandler),
		Now:      func() time.Time { return time.Date(2021, 6, 1, 2, 0, 0, 0, calendar.Shanghai) },
	}
}

// query runs a read-only query on the warehouse after a run.
func query(t *testing.T, path, q string) [][]string {
	t.Helper()
	db, err := warehouse.OpenReadOnly(context.Background(), path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rec := make([]string, len(cols))
		for i, v := range vals {
			rec[i] = v.String
		}
		out = append(out, rec)
	}
	return out
}

// expectedIssues reads the generator's manifest: path, sheet, cell, code, severity.
func expectedIssues(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "expected-issues.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, r := range recs[1:] {
		out = append(out, r[:5])
	}
	slices.SortFunc(out, func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
	return out
}

// The batch on a generated inbox finds exactly the issues the generator
// injected — from the reader, the registry and across forms — and a second
// run reads nothing again and changes nothing.
func TestRunGeneratedInbox(t *testing.T) {
	dir := generated(t, 16, 3)
	cfg := config(dir)
	// Real file systems keep nanoseconds; the warehouse keeps microseconds.
	filepath.WalkDir(cfg.Inbox, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			st, _ := d.Info()
			os.Chtimes(p, st.ModTime(), st.ModTime().Add(123456*time.Nanosecond))
		}
		return nil
	})
	s, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.FormsRead == 0 || s.Accepted == 0 || s.Rejected == 0 {
		t.Fatalf("summary %+v: want forms read, accepted and rejected", s)
	}
	got := query(t, cfg.DB, `SELECT path, sheet, cell, code, severity FROM issues ORDER BY ALL`)
	want := expectedIssues(t, dir)
	slices.SortFunc(got, func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("issues in the warehouse (-expected by the generator +found):\n%s", diff)
	}

	// Every file of the inbox is in submissions.
	var files int
	filepath.WalkDir(cfg.Inbox, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != "receipts.csv" {
			files++
		}
		return nil
	})
	if n := query(t, cfg.DB, `SELECT count(*) FROM submissions`)[0][0]; n != fmt.Sprint(files) {
		t.Errorf("%s submissions for %d files", n, files)
	}
	// Every metric of the catalog has rows for every unit.
	if bad := query(t, cfg.DB, `SELECT metric FROM metric_catalog ANTI JOIN metric_values USING (metric)`); len(bad) > 0 {
		t.Errorf("metrics without rows: %v", bad)
	}

	before := query(t, cfg.DB, `SELECT * FROM metric_values ORDER BY ALL`)
	s2, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s2.FormsRead != 0 || s2.FilesHashed != 0 {
		t.Errorf("second run read %d forms and hashed %d files, want none", s2.FormsRead, s2.FilesHashed)
	}
	if diff := cmp.Diff(before, query(t, cfg.DB, `SELECT * FROM metric_values ORDER BY ALL`)); diff != "" {
		t.Errorf("second run changed metric_values:\n%s", diff)
	}
}

// A file the clerk did not touch, which receipts.csv now says came at
// another time (a late upload recorded again): the night reads no form and
// hashes no file, and the file's receipt time, with whatever follows from
// it, is the new one; a file whose receipt stays is as it was.
func TestReceiptMovedOnUnchangedFile(t *testing.T) {
	dir := generated(t, 4, 1)
	cfg := config(dir)
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	paths := query(t, cfg.DB, `SELECT path FROM submissions WHERE status = 'accepted' ORDER BY path LIMIT 2`)
	if len(paths) != 2 {
		t.Fatalf("%d accepted forms, want 2", len(paths))
	}
	moved, kept := paths[0][0], paths[1][0]
	receipts := func(movedAt string) {
		t.Helper()
		data := "path,received_at\n" + moved + "," + movedAt + "\n" + kept + ",2021-02-03T10:00:00+08:00\n"
		if err := os.WriteFile(filepath.Join(cfg.Inbox, "receipts.csv"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	receivedAt := `SELECT strftime(timezone('Asia/Shanghai', received_at), '%Y-%m-%d %H:%M') FROM submissions WHERE path = $1`
	receipts("2021-02-04T09:00:00+08:00")
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if got := query(t, cfg.DB, strings.Replace(receivedAt, "$1", "'"+moved+"'", 1)); !cmp.Equal(got, [][]string{{"2021-02-04 09:00"}}) {
		t.Fatalf("%s received at %v, want 2021-02-04 09:00 from receipts.csv", moved, got)
	}
	receipts("2021-03-20T09:30:00+08:00")
	s, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.FormsRead != 0 || s.FilesHashed != 0 {
		t.Errorf("read %d forms and hashed %d files, want none", s.FormsRead, s.FilesHashed)
	}
	for _, c := range []struct{ path, want string }{{moved, "2021-03-20 09:30"}, {kept, "2021-02-03 10:00"}} {
		if got := query(t, cfg.DB, strings.Replace(receivedAt, "$1", "'"+c.path+"'", 1)); !cmp.Equal(got, [][]string{{c.want}}) {
			t.Errorf("%s received at %v, want %s", c.path, got, c.want)
		}
	}
}

// gcPercent is the collector's setting now.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// The collector is light (GOGC=200) while a run is a night, except while it
// reads forms, and as it was once the run returns, whichever way it went.
func TestGCTuning(t *testing.T) {
	t.Setenv("GOGC", "") // the test's own environment must not fix it
	before := gcPercent()
	dir := generated(t, 4, 1)
	cfg := config(dir)
	var during []int
	cfg.afterForm = func(int) error { during = append(during, gcPercent()); return nil }
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if len(during) == 0 || slices.ContainsFunc(during, func(p int) bool { return p != before }) {
		t.Errorf("while forms were read: GOGC %v, want %d", during, before)
	}
	if p := gcPercent(); p != before {
		t.Errorf("after the run: GOGC %d, want %d as before it", p, before)
	}
	g := newGCTuning()
	if p := gcPercent(); p != 200 {
		t.Errorf("a night's setting: GOGC %d, want 200", p)
	}
	g.set(false)
	g.set(false)
	if p := gcPercent(); p != before {
		t.Errorf("back to the default: GOGC %d, want %d", p, before)
	}
	t.Setenv("GOGC", "150")
	newGCTuning()
	if p := gcPercent(); p != before {
		t.Errorf("with GOGC in the environment: setting changed to %d", p)
	}
}

// A failure in the middle of a load leaves the warehouse as it was.
func TestFailureMidLoadLeavesWarehouseUnchanged(t *testing.T) {
	dir := generated(t, 8, 1)
	cfg := config(dir)
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	before := query(t, cfg.DB, `SELECT * FROM metric_values ORDER BY ALL`)
	runs := query(t, cfg.DB, `SELECT count(*) FROM runs`)

	// New forms arrive; the run fails after loading some of them.
	more := t.TempDir()
	if _, err := fixtures.Generate(more, fixtures.Options{Villages: 8, Months: 2, Seed: 7, Volume: 30}); err != nil {
		t.Fatal(err)
	}
	cfg.Inbox = filepath.Join(more, "inbox")
	injected := errors.New("injected failure")
	cfg.afterForm = func(n int) error {
		if n == 3 {
			return injected
		}
		return nil
	}
	if _, err := Run(context.Background(), cfg); !errors.Is(err, injected) {
		t.Fatalf("Run: %v, want the injected failure", err)
	}
	if diff := cmp.Diff(before, query(t, cfg.DB, `SELECT * FROM metric_values ORDER BY ALL`)); diff != "" {
		t.Errorf("failed run changed metric_values:\n%s", diff)
	}
	if got := query(t, cfg.DB, `SELECT count(*) FROM runs`); !cmp.Equal(got, runs) {
		t.Errorf("runs %v after a failed run, want %v", got, runs)
	}
}

// A stopped run (SIGINT/SIGTERM cancel the context) commits nothing.
func TestCancelledRunCommitsNothing(t *testing.T) {
	dir := generated(t, 8, 1)
	cfg := config(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg.afterForm = func(n int) error {
		if n == 2 {
			cancel() // as SIGINT does, half-way through the load
		}
		return nil
	}
	if _, err := Run(ctx, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run on a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(cfg.DB); err == nil {
		if got := query(t, cfg.DB, `SELECT count(*) FROM forms`); got[0][0] != "0" {
			t.Errorf("%s forms committed by a cancelled run", got[0][0])
		}
	}
}

// A warehouse fed month by month (with resubmissions and relisted requests
// arriving in later runs) ends exactly where one loaded at once does: the
// per-village incremental refresh of requests, and that of metric_flags,
// miss nothing. The month that restated earlier figures says so.
func TestIncrementalEqualsFresh(t *testing.T) {
	dir := generated(t, 16, 3)
	full := config(dir)
	stepwise := full
	stepwise.DB = filepath.Join(t.TempDir(), "stepwise.duckdb")
	for _, month := range []string{"2021-01", "2021-02"} {
		partial := filepath.Join(t.TempDir(), "inbox")
		if err := fixturestest.CopyMonths(full.Inbox, partial, month); err != nil {
			t.Fatal(err)
		}
		stepwise.Inbox = partial
		if _, err := Run(context.Background(), stepwise); err != nil {
			t.Fatal(err)
		}
	}
	stepwise.Inbox = full.Inbox
	last, err := Run(context.Background(), stepwise)
	if err != nil {
		t.Fatal(err)
	}
	first, err := Run(context.Background(), full)
	if err != nil {
		t.Fatal(err)
	}
	// March's forms relist February's requests: the last stepwise run
	// restated February's figures; a warehouse's first run restates nothing.
	if want := query(t, stepwise.DB, fmt.Sprintf(`SELECT count(*) FROM metric_changes
		WHERE run_id = %d AND period < '2021-03' AND (old_numerator IS NOT NULL OR old_denominator IS NOT NULL)`, last.RunID))[0][0]; fmt.Sprint(last.Restated) != want || last.Restated == 0 {
		t.Errorf("Summary.Restated = %d, metric_changes has %s restated figures; want the same, not 0", last.Restated, want)
	}
	if first.Restated != 0 {
		t.Errorf("first run: Summary.Restated = %d, want 0", first.Restated)
	}
	if got := query(t, stepwise.DB, `SELECT run_id, status FROM runs ORDER BY run_id`); !cmp.Equal(got, [][]string{{"1", "committed"}, {"2", "committed"}, {"3", "committed"}}) {
		t.Errorf("runs: %v, want 3 committed", got)
	}
	for _, q := range []string{
		`SELECT * FROM metric_flags ORDER BY ALL`,
		`SELECT * FROM metric_values ORDER BY ALL`,
		`SELECT * FROM requests ORDER BY ALL`,
		`SELECT path, sheet, cell, code, severity, value FROM issues ORDER BY ALL`,
		`SELECT path, sha256, status FROM submissions ORDER BY ALL`,
	} {
		if diff := cmp.Diff(query(t, full.DB, q), query(t, stepwise.DB, q)); diff != "" {
			t.Errorf("%s: loaded at once (-) and month by month (+) differ:\n%s", q, diff)
		}
	}
}

// A run that fails while its feedback workbooks are being built (they
// begin inside the run, before the figures) commits nothing and leaves the
// workbooks as the run before left them: no new one, no temporary file.
func TestFailedRunLeavesFeedbackAsItWas(t *testing.T) {
	dir := generated(t, 8, 1)
	cfg := config(dir)
	cfg.Out = filepath.Join(dir, "out")
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	listing := func() []string {
		var names []string
		filepath.WalkDir(cfg.Out, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() && p != cfg.Out {
				// a staging folder left behind shows, even empty
				rel, _ := filepath.Rel(cfg.Out, p)
				names = append(names, rel+string(filepath.Separator))
			}
			if err == nil && !d.IsDir() {
				info, _ := d.Info()
				rel, _ := filepath.Rel(cfg.Out, p)
				names = append(names, fmt.Sprintf("%s %d %s", rel, info.Size(), info.ModTime().Format(time.RFC3339Nano)))
			}
			return nil
		})
		return names
	}
	before := listing()
	if !slices.ContainsFunc(before, func(n string) bool { return strings.HasPrefix(n, "feedback"+string(filepath.Separator)) }) {
		t.Fatalf("the first run wrote no feedback workbook: %v", before)
	}
	metrics := query(t, cfg.DB, `SELECT * FROM metric_values ORDER BY ALL`)

	// Two more months, with their mistakes: feedback workbooks to write.
	more := t.TempDir()
	if _, err := fixtures.Generate(more, fixtures.Options{Villages: 8, Months: 3, Seed: 7, Volume: 30}); err != nil {
		t.Fatal(err)
	}
	cfg.Inbox = filepath.Join(more, "inbox")
	injected := errors.New("injected failure")
	began := false
	cfg.afterFeedback = func() error {
		began = true
		return injected
	}
	if _, err := Run(context.Background(), cfg); !errors.Is(err, injected) {
		t.Fatalf("Run: %v, want the injected failure", err)
	}
	if !began {
		t.Fatal("the feedback workbooks never began")
	}
	if d := cmp.Diff(before, listing()); d != "" {
		t.Errorf("the failed run changed the workbooks (-before +after):\n%s", d)
	}
	if d := cmp.Diff(metrics, query(t, cfg.DB, `SELECT * FROM metric_values ORDER BY ALL`)); d != "" {
		t.Errorf("the failed run changed metric_values:\n%s", d)
	}

	// The next run, which does not fail, writes them.
	cfg.afterFeedback = nil
	s, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	after := listing()
	if len(after) <= len(before) || s.Workbooks == 0 {
		t.Errorf("the run after the failed one wrote %d workbooks: %d files before, %d after", s.Workbooks, len(before), len(after))
	}
	for _, n := range after {
		if strings.Contains(n, ".tmp") || strings.Contains(n, ".staging-") {
			t.Errorf("temporary file left: %s", n)
		}
	}
}
