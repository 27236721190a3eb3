package report

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// fileState is what a rewrite would change: the inode (a rename puts a new
// one in place), the modification time and the bytes.
type fileState struct {
	ino   uint64
	mtime time.Time
	data  []byte
}

// snapshot is every file under dir, by path relative to it.
func snapshot(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = fileState{fi.Sys().(*syscall.Stat_t).Ino, fi.ModTime(), data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// changedFiles lists the files of after that are new or not the same file
// as in before, and the files of before that are gone.
func changedFiles(before, after map[string]fileState) (changed, gone []string) {
	for name, a := range after {
		b, ok := before[name]
		if !ok || a.ino != b.ino || !a.mtime.Equal(b.mtime) || !bytes.Equal(a.data, b.data) {
			changed = append(changed, name)
		}
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			gone = append(gone, name)
		}
	}
	slices.Sort(changed)
	slices.Sort(gone)
	return changed, gone
}

func rels(t *testing.T, out string, paths []string) []string {
	t.Helper()
	var r []string
	for _, p := range paths {
		rel, err := filepath.Rel(out, p)
		if err != nil {
			t.Fatal(err)
		}
		r = append(r, filepath.ToSlash(rel))
	}
	slices.Sort(r)
	return r
}

// redigest does for a content whose issues a test changed in place what a
// run does for a form whose issues changed (refresh_issue_digests.sql):
// its digest is computed again from the issues view, or goes with them.
func redigest(t *testing.T, db *sql.DB, sha string) {
	t.Helper()
	if _, err := db.Exec(`DELETE FROM issue_digests WHERE sha256 = ?`, sha); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO issue_digests
		SELECT path, sha256, md5(string_agg(concat_ws(chr(31), coalesce(sheet, ''), coalesce(cell, ''), code, severity,
		                                              coalesce(value, ''), coalesce(message, '')), chr(30)
		           ORDER BY seq NULLS LAST, sheet, cell, code, severity, value, message))
		FROM issues WHERE sha256 = ? GROUP BY path, sha256`, sha); err != nil {
		t.Fatal(err)
	}
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	res, err := db.Exec(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatalf("%s %q: no row changed", query, args)
	}
}

// TestFeedbackIncremental runs Write again and again over one output
// folder, changing the warehouse's issues in between as a nightly run
// would: only the feedback workbooks whose content changed are written,
// those that no longer apply are removed, and files the manifest does not
// know are left alone.
func TestFeedbackIncremental(t *testing.T) {
	db, inbox := testWarehouse(t)
	out := t.TempDir()
	write := writeAt(t, db, inbox, out)
	// Files of someone else's in the output folders.
	for _, p := range []string{"feedback/说明.xlsx", "feedback/annotated/old.xlsx", "feedback/notes.txt"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(out, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, p), []byte("not ours"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res1 := write(runNow)
	lx := "450109100201-2021-03-" + first(sha256Of(t, filepath.Join(inbox, "那楼镇/龙象社区3月.xlsx")), 8) + ".xlsx"
	wantFirst := []string{"feedback/" + lx, "feedback/450109100201-2021-03-sha-__.xlsx",
		"feedback/450109200201-2021-03-sha-__.xlsx", "feedback/450110100201-2021-03-sha-__.xlsx",
		"feedback/新村报表(1)-unknown-sha-__.xlsx"}
	if diff := cmp.Diff(wantFirst, rels(t, out, res1.Feedback)); diff != "" {
		t.Fatalf("first run's feedback (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"feedback/annotated/" + lx}, rels(t, out, res1.Annotated)); diff != "" {
		t.Fatalf("first run's annotated copies (-want +got):\n%s", diff)
	}

	t.Run("same warehouse: nothing written", func(t *testing.T) {
		before := snapshot(t, filepath.Join(out, "feedback"))
		res := write(runNow.Add(24 * time.Hour))
		if len(res.Feedback) > 0 || len(res.Annotated) > 0 || len(res.Removed) > 0 {
			t.Errorf("second run wrote %q %q, removed %q", res.Feedback, res.Annotated, res.Removed)
		}
		if diff := cmp.Diff(wantFirst, rels(t, out, res.Unchanged)); diff != "" {
			t.Errorf("unchanged (-want +got):\n%s", diff)
		}
		changed, gone := changedFiles(before, snapshot(t, filepath.Join(out, "feedback")))
		if len(changed) > 0 || len(gone) > 0 {
			t.Errorf("second run changed %q and removed %q under feedback/", changed, gone)
		}
		// The summary is written again: its title row has the run time.
		if res.Summary == "" || len(res.TownshipsUnchanged) != 3 {
			t.Errorf("summary %q, townships unchanged %q", res.Summary, res.TownshipsUnchanged)
		}
	})

	t.Run("a killed run's temporary files are removed, no one else's", func(t *testing.T) {
		stale := []string{".summary-2021-03.xlsx.123.tmp", "townships/.x.xlsx.9.tmp",
			"feedback/." + lx + ".42.tmp", "feedback/.manifest.json.7.tmp", "feedback/annotated/." + lx + ".5.tmp",
			".staging-881/" + lx + ".17", ".staging-881"}
		kept := []string{"feedback/.hidden.xlsx", "feedback/annotated/.notes.tmp"}
		if err := os.Mkdir(filepath.Join(out, ".staging-881"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, p := range append(slices.Clone(stale), kept...) {
			if p == ".staging-881" {
				continue // the folder, made above
			}
			if err := os.WriteFile(filepath.Join(out, p), []byte("partial"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(runNow.Add(36 * time.Hour))
		for _, p := range stale {
			if _, err := os.Stat(filepath.Join(out, p)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: still there (%v)", p, err)
			}
		}
		for _, p := range kept {
			if _, err := os.Stat(filepath.Join(out, p)); err != nil {
				t.Errorf("%s: %v, want it left alone", p, err)
			}
			os.Remove(filepath.Join(out, p))
		}
	})

	t.Run("a changed issue rewrites that workbook and its copy", func(t *testing.T) {
		before := snapshot(t, filepath.Join(out, "feedback"))
		sha := sha256Of(t, filepath.Join(inbox, "那楼镇/龙象社区3月.xlsx"))
		mustExec(t, db, `UPDATE form_issues SET message = '联系电话少一位，请补全' WHERE sha256 = ? AND cell = 'F9'`, sha)
		redigest(t, db, sha)
		res := write(runNow.Add(48 * time.Hour))
		if diff := cmp.Diff([]string{"feedback/" + lx}, rels(t, out, res.Feedback)); diff != "" {
			t.Errorf("written (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"feedback/annotated/" + lx}, rels(t, out, res.Annotated)); diff != "" {
			t.Errorf("annotated (-want +got):\n%s", diff)
		}
		if len(res.Unchanged) != len(wantFirst)-1 || len(res.Removed) > 0 {
			t.Errorf("unchanged %q, removed %q", res.Unchanged, res.Removed)
		}
		changed, gone := changedFiles(before, snapshot(t, filepath.Join(out, "feedback")))
		want := []string{"annotated/" + lx, lx, manifestName}
		slices.Sort(want)
		if diff := cmp.Diff(want, changed); diff != "" || len(gone) > 0 {
			t.Errorf("files changed (-want +got):\n%s\ngone: %q", diff, gone)
		}
		var text []string
		for _, c := range allCells(t, filepath.Join(out, "feedback", lx)) {
			text = append(text, c.value)
		}
		if !slices.Contains(text, "联系电话少一位，请补全") {
			t.Errorf("the rewritten workbook lacks the new message: %q", text)
		}
	})

	t.Run("a workbook deleted by hand is written again", func(t *testing.T) {
		name := filepath.Join(out, "feedback", "450109200201-2021-03-sha-__.xlsx")
		if err := os.Remove(name); err != nil {
			t.Fatal(err)
		}
		res := write(runNow.Add(72 * time.Hour))
		if diff := cmp.Diff([]string{name}, res.Feedback); diff != "" {
			t.Errorf("written (-want +got):\n%s", diff)
		}
	})

	t.Run("vanished issues remove the workbook and its copy", func(t *testing.T) {
		before := snapshot(t, filepath.Join(out, "feedback"))
		sha := sha256Of(t, filepath.Join(inbox, "那楼镇/龙象社区3月.xlsx"))
		mustExec(t, db, `DELETE FROM form_issues WHERE sha256 = ?`, sha)
		redigest(t, db, sha)
		res := write(runNow.Add(96 * time.Hour))
		wantGone := []string{lx, "annotated/" + lx}
		if diff := cmp.Diff([]string{"feedback/" + lx, "feedback/annotated/" + lx}, rels(t, out, res.Removed)); diff != "" {
			t.Errorf("removed (-want +got):\n%s", diff)
		}
		if len(res.Feedback) > 0 || len(res.Annotated) > 0 || len(res.Unchanged) != len(wantFirst)-1 {
			t.Errorf("written %q %q, unchanged %q", res.Feedback, res.Annotated, res.Unchanged)
		}
		changed, gone := changedFiles(before, snapshot(t, filepath.Join(out, "feedback")))
		if diff := cmp.Diff(wantGone, gone); diff != "" {
			t.Errorf("files gone (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{manifestName}, changed); diff != "" {
			t.Errorf("files changed (-want +got):\n%s", diff)
		}
	})

	for _, p := range []string{"feedback/说明.xlsx", "feedback/annotated/old.xlsx", "feedback/notes.txt"} {
		if data, err := os.ReadFile(filepath.Join(out, p)); err != nil || string(data) != "not ours" {
			t.Errorf("%s: %q, %v; want it left alone", p, data, err)
		}
	}
}

// TestAnnotatedRetry: an annotated copy that could not be made because the
// original was missing is made once the original is back, although the
// feedback workbook's content did not change.
func TestAnnotatedRetry(t *testing.T) {
	db, inbox := testWarehouse(t)
	out := t.TempDir()
	original := filepath.Join(inbox, "那楼镇/龙象社区3月.xlsx")
	lx := "450109100201-2021-03-" + first(sha256Of(t, original), 8) + ".xlsx"
	aside := filepath.Join(t.TempDir(), "aside.xlsx")
	if err := os.Rename(original, aside); err != nil {
		t.Fatal(err)
	}
	write := func() Result {
		t.Helper()
		res, err := Write(context.Background(), db, Options{OutDir: out, Now: runNow, InboxDir: inbox,
			Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := write(); len(res.Annotated) > 0 {
		t.Fatalf("annotated %q without the original", res.Annotated)
	}
	if res := write(); len(res.Feedback) > 0 {
		t.Errorf("original still missing: written %q, want nothing", res.Feedback)
	}
	if err := os.Rename(aside, original); err != nil {
		t.Fatal(err)
	}
	res := write()
	if diff := cmp.Diff([]string{"feedback/annotated/" + lx}, rels(t, out, res.Annotated)); diff != "" {
		t.Errorf("annotated once the original is back (-want +got):\n%s", diff)
	}
	if res := write(); len(res.Feedback) > 0 || len(res.Annotated) > 0 {
		t.Errorf("then nothing to write; written %q %q", res.Feedback, res.Annotated)
	}
}

// TestAnnotatedGBKName: a form whose file name is in GBK bytes (a zip
// unpacked on a Chinese Windows) is shown decoded in the warehouse, and its
// annotated copy is still made from the file as the file system names it.
func TestAnnotatedGBKName(t *testing.T) {
	db, inbox := testWarehouse(t)
	original := filepath.Join(inbox, "那楼镇/龙象社区3月.xlsx")
	lx := "450109100201-2021-03-" + first(sha256Of(t, original), 8) + ".xlsx"
	gbk := func(s string) string {
		b, err := simplifiedchinese.GBK.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if err := os.Rename(filepath.Join(inbox, "那楼镇"), filepath.Join(inbox, gbk("那楼镇"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(inbox, gbk("那楼镇"), "龙象社区3月.xlsx"), filepath.Join(inbox, gbk("那楼镇"), gbk("龙象社区3月.xlsx"))); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := Write(context.Background(), db, Options{OutDir: out, Now: runNow, InboxDir: inbox, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"feedback/annotated/" + lx}, rels(t, out, res.Annotated)); diff != "" {
		t.Fatalf("annotated copies (-want +got):\n%s", diff)
	}
	f, err := excelize.OpenFile(filepath.Join(out, "feedback", "annotated", lx))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cs, _ := f.GetComments("点单台账"); len(cs) == 0 {
		t.Error("the copy has no comments")
	}
}

// TestIssuesDigestMatchesWarehouse: the digest a night compares (the
// warehouse's md5 of each form's issues) is the one computed from the issues
// themselves, for every form of the test warehouse.
func TestIssuesDigestMatchesWarehouse(t *testing.T) {
	db, _ := testWarehouse(t)
	ctx := context.Background()
	heads, err := loadSubmissionDigests(ctx, pool{db}, nil)
	if err != nil {
		t.Fatal(err)
	}
	full, err := loadSubmissions(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(heads) != len(full) || len(heads) == 0 {
		t.Fatalf("%d digests for %d forms with issues", len(heads), len(full))
	}
	byKey := map[string]*Submission{}
	for _, h := range heads {
		byKey[h.Path+"\x00"+h.SHA256] = h
	}
	for _, f := range full {
		h := byKey[f.Path+"\x00"+f.SHA256]
		if h == nil {
			t.Errorf("%s: no digest", f.Path)
			continue
		}
		if got, want := h.issuesMD5, issuesDigest(f.Issues); got != want {
			t.Errorf("%s: warehouse md5 %s, from its %d issues %s", f.Path, got, len(f.Issues), want)
		}
	}
	if err := loadIssues(ctx, pool{db}, heads[:1]); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(full, func(f *Submission) bool { return f.Path == heads[0].Path && f.SHA256 == heads[0].SHA256 })
	if i < 0 {
		t.Fatalf("%s: not among the forms with issues", heads[0].Path)
	}
	if diff := cmp.Diff(full[i].Issues, heads[0].Issues); diff != "" {
		t.Errorf("loadIssues (-all +one):\n%s", diff)
	}
}

// TestFeedbackName: a readable cover names the workbook by unit, month and
// content; an unreadable one by the file name, "unknown" and content, so
// that two unreadable files of one name never share a workbook; a clash of
// the first 8 hex digits takes the next 8.
func TestFeedbackName(t *testing.T) {
	a := strings.Repeat("a", 8)
	for _, tc := range []struct {
		sub  Submission
		want string
	}{
		{Submission{Path: "镇/村.xlsx", SHA256: a + "11111111", Unit: "450109100201", Period: "2021-03"}, "450109100201-2021-03-aaaaaaaa.xlsx"},
		{Submission{Path: "镇/新村报表(1).xlsx", SHA256: a + "11111111"}, "新村报表(1)-unknown-aaaaaaaa.xlsx"},
		{Submission{Path: "a:b?.xlsx", SHA256: a, Unit: "450109100201", Period: "2021-13"}, "a_b_-unknown-aaaaaaaa.xlsx"},
		{Submission{Path: "x.xlsx", SHA256: a, Unit: "../x", Period: "2021-03"}, "x-unknown-aaaaaaaa.xlsx"},
	} {
		if got := FeedbackName(&tc.sub); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.sub, got, tc.want)
		}
	}
	subs := []*Submission{
		{Path: "一/报表.xlsx", SHA256: a + "11111111", Status: "rejected"},
		{Path: "二/报表.xlsx", SHA256: a + "22222222", Status: "rejected"},
	}
	var got []string
	for _, n := range feedbackNames(subs, slog.New(slog.DiscardHandler)) {
		got = append(got, n.name)
	}
	if diff := cmp.Diff([]string{"报表-unknown-aaaaaaaa-22222222.xlsx", "报表-unknown-aaaaaaaa.xlsx"}, got); diff != "" {
		t.Errorf("clashing names (-want +got):\n%s", diff)
	}
}

// writeAt is Write of db's workbooks into out (annotated copies from
// inbox) at a run time, failing the test on an error: what a nightly run
// does, again and again over one output folder.
func writeAt(t *testing.T, db *sql.DB, inbox, out string) func(now time.Time) Result {
	return func(now time.Time) Result {
		t.Helper()
		res, err := Write(context.Background(), db, Options{OutDir: out, Now: now, InboxDir: inbox,
			Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
}

// TestAfterReads: Write calls AfterReads once, before it returns, whether
// or not there is a month to summarize, and by then has read everything it
// writes: the batch checkpoints DuckDB there, beside the workbooks.
func TestAfterReads(t *testing.T) {
	db, inbox := testWarehouse(t)
	for _, period := range []string{"", "2021-02"} {
		calls := 0
		res, err := Write(context.Background(), db, Options{OutDir: t.TempDir(), Now: runNow, InboxDir: inbox, Period: period,
			Log: slog.New(slog.DiscardHandler), AfterReads: func() { calls++ }})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 1 {
			t.Errorf("period %q: AfterReads called %d times, want once", period, calls)
		}
		if len(res.Feedback) == 0 {
			t.Errorf("period %q: no feedback workbook written", period)
		}
	}
}
