package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/pipeline/form"
	"grassroots/pipeline/warehouse/warehousetest"
	"grassroots/queries"
)

func hexOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestBucketOfName: every shape of name FeedbackName and feedbackNames
// give is in the bucket of its form's content, as
// report_feedback_buckets.sql puts the form.
func TestBucketOfName(t *testing.T) {
	sha := hexOf("a form")
	for _, s := range []*Submission{
		{Path: "那楼镇/龙象社区3月.xlsx", SHA256: sha, Unit: "450109100201", Period: "2021-03"},
		{Path: "蒲庙镇/新村报表(1).xlsx", SHA256: sha, Unit: "", Period: ""},
		{Path: "x/abcdef12-2021-03.xlsx", SHA256: sha, Unit: "", Period: "2021-13"},
		{Path: "x/deadbeef.xlsx", SHA256: sha, Unit: "bad/code", Period: "2021-03"},
		{Path: "x/01234567-89abcdef.xlsx", SHA256: sha, Unit: "", Period: ""},
	} {
		name := FeedbackName(s)
		unique := strings.TrimSuffix(name, ".xlsx") + "-" + sha[8:16] + ".xlsx" // feedbackNames' second of a name
		for _, n := range []string{name, unique} {
			if got := bucketOfName(n); got != sha[:3] {
				t.Errorf("bucketOfName(%q) = %q, want %q", n, got, sha[:3])
			}
		}
	}
	for _, n := range []string{"说明.xlsx", "notes.txt", "x-unknown-sha-__.xlsx", "a-ABCDEF12.xlsx"} {
		if got := bucketOfName(n); got != "" {
			t.Errorf("bucketOfName(%q) = %q, want none", n, got)
		}
	}
}

// TestBucketsHoldTheComparedForms: the warehouse's buckets
// (refresh_feedback_buckets.sql) count exactly the forms that the night
// compares (report_feedback_digests.sql), bucket by bucket: the two
// queries pick the forms with an issue, ignored files excluded, each in
// its own words. The test warehouse has rejected, superseded and ignored
// files.
func TestBucketsHoldTheComparedForms(t *testing.T) {
	db, _ := testWarehouse(t)
	subs, err := loadSubmissionDigests(context.Background(), pool{db}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, s := range subs {
		want[first(s.SHA256, 3)]++
	}
	buckets, err := bucketDigests(context.Background(), pool{db}, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for b, digest := range buckets {
		// "<md5 halves>-<count>/<format>/<annotate>"
		var n int
		if _, err := fmt.Sscanf(digest[strings.IndexByte(digest, '-')+1:], "%d/", &n); err != nil {
			t.Fatalf("bucket %s: digest %q", b, digest)
		}
		got[b] = n
	}
	if len(subs) < 5 {
		t.Fatalf("%d forms compared, want 5 or more", len(subs))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("forms per bucket (-compared +counted in feedback_buckets):\n%s", d)
	}
}

// TestFeedbackBuckets: a night that reads back only the forms of the
// buckets whose digest moved leaves the feedback folder, its manifest and
// the run's lists exactly as one that reads back every form, through
// changed, vanished and new issues, a changed status and receipt time, two
// contents whose names meet, and workbooks and copies deleted by hand.
func TestFeedbackBuckets(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	w, reg := emptyWarehouse(t)
	db := w.DB()

	units := []string{"450109100201", "450109100202", "450109100203", "450109200201", "450110100201", "450110100202"}
	warn := func(msg string) []form.Issue {
		return []form.Issue{{Sheet: "点单台账", Cell: "F9", Code: "bad_phone", Severity: form.SeverityWarning, Value: "138", Message: msg}}
	}
	var uploads []warehousetest.Upload
	var shas []string
	for i := range 24 {
		f := newForm(units[i%len(units)], []string{"2021-02", "2021-03"}[i%2], "张三", "13700001111")
		if i%4 != 3 { // a few forms without an issue
			f.Issues = warn(fmt.Sprintf("联系电话少一位 %d", i))
		}
		sha := hexOf(fmt.Sprint("form ", i))
		shas = append(shas, sha)
		uploads = append(uploads, warehousetest.Upload{Path: fmt.Sprintf("镇%d/村%d.xlsx", i%3, i), SHA256: sha,
			Received: at(fmt.Sprintf("2021-04-%02d 09:00", 1+i%5)), Form: f})
	}
	// The same content under two paths: one workbook.
	uploads = append(uploads, warehousetest.Upload{Path: "镇0/村0 (1).xlsx", SHA256: shas[0], Received: at("2021-04-06 09:00"), Form: uploads[0].Form})
	// Two contents of one unit and month whose hashes begin alike, both
	// superseded by a third: the workbook of the one received first is
	// made unique ("-<8 more>"). Sent as .xls, of which no annotated copy
	// is made (nor tried again).
	meet := []string{"0123abcd" + hexOf("a")[8:], "0123abcd" + hexOf("b")[8:], hexOf("c")}
	for i, sha := range meet {
		f := newForm("450110100201", "2021-03", "钱七", "13500003333")
		f.Issues = warn(fmt.Sprint("相同开头 ", i))
		uploads = append(uploads, warehousetest.Upload{Path: fmt.Sprintf("城厢镇/东风村-%d.xls", i), SHA256: sha,
			Received: at(fmt.Sprintf("2021-04-0%d 10:00", 7+i)), Form: f})
	}
	// A form whose unit and month could not be read, and the clerk's own
	// workbook (an annotated copy is made of it).
	unreadable := newForm("", "", "", "")
	unreadable.Rejected = true
	unreadable.Issues = []form.Issue{{Sheet: "基本信息", Cell: "B4", Code: "bad_period", Severity: form.SeverityFile,
		Value: "2021年13月", Message: "报告期不是有效的年月"}}
	uploads = append(uploads, warehousetest.Upload{Path: "蒲庙镇/新村报表(1).xlsx", SHA256: hexOf("unreadable"),
		Received: at("2021-04-04 09:00"), Form: unreadable})
	lx := newForm("450109100201", "2021-03", "张三", "13700001111")
	lx.Issues = warn("联系电话“1381234567”少一位")
	lxSHA := clerkWorkbook(t, inbox, "那楼镇/龙象社区3月.xlsx")
	uploads = append(uploads, warehousetest.Upload{Path: "那楼镇/龙象社区3月.xlsx", SHA256: lxSHA, Received: at("2021-04-02 10:00"), Form: lx})
	// The originals in the inbox: not workbooks, so that no annotated copy
	// is made of them and none is tried again (their buckets go stale only
	// when their forms change).
	for i, u := range uploads {
		content := fmt.Sprint("form ", i)
		switch {
		case u.Path == "镇0/村0 (1).xlsx":
			content = "form 0"
		case u.Path == "蒲庙镇/新村报表(1).xlsx":
			content = "unreadable"
		case u.SHA256 == lxSHA:
			continue
		}
		p := filepath.Join(inbox, u.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	warehousetest.Load(t, w, reg, inbox, at("2021-04-10 02:00"), uploads...)

	out, full := filepath.Join(dir, "out"), filepath.Join(dir, "full")
	night := 0
	write := func(out string, log *slog.Logger) Result {
		t.Helper()
		res, err := Write(ctx, db, Options{OutDir: out, Now: runNow.AddDate(0, 0, night), InboxDir: inbox, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := write(out, slog.New(slog.DiscardHandler))
	if len(first.Feedback) < 20 {
		t.Fatalf("first run: %d feedback workbooks, want 20 or more", len(first.Feedback))
	}

	steps := []struct {
		name   string
		change func(t *testing.T)
	}{
		{"nothing changed", func(t *testing.T) {}},
		{"a changed issue", func(t *testing.T) {
			mustExec(t, db, `UPDATE form_issues SET message = '联系电话少两位' WHERE sha256 = ?`, shas[1])
			redigest(t, db, shas[1])
		}},
		{"the first received of two names that meet is received again", func(t *testing.T) {
			mustExec(t, db, `UPDATE submission_status SET received_at = TIMESTAMPTZ '2021-04-08 23:59:00+08' WHERE sha256 = ?`, meet[0])
		}},
		{"the first of two names that meet loses its issues", func(t *testing.T) {
			mustExec(t, db, `DELETE FROM form_issues WHERE sha256 = ?`, meet[0])
			redigest(t, db, meet[0])
		}},
		{"a new issue", func(t *testing.T) {
			mustExec(t, db, `INSERT INTO form_issues (sha256, seq, sheet, cell, code, severity, value, message)
				SELECT sha256, 1, '点单台账', 'G3', 'bad_rating', 'warning', '很好', '评价不是可选项' FROM forms WHERE sha256 = ?`, shas[3])
			redigest(t, db, shas[3])
		}},
		{"a changed status", func(t *testing.T) {
			mustExec(t, db, `UPDATE submission_status SET status = 'rejected' WHERE sha256 = ? AND status <> 'rejected'`, shas[5])
		}},
		{"workbooks and a copy deleted by hand", func(t *testing.T) {
			for _, p := range []string{first.Feedback[2], first.Feedback[9], filepath.Join(out, "feedback", "annotated", filepath.Base(first.Annotated[0]))} {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			night++
			step.change(t)
			rebucket(t, db)
			// The same folder, read back whole: its manifest without buckets.
			os.RemoveAll(full)
			copyDir(t, out, full)
			stripBuckets(t, filepath.Join(full, "feedback"))

			var logs bytes.Buffer
			got := write(out, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
			want := write(full, slog.New(slog.DiscardHandler))
			if !strings.Contains(logs.String(), "all=false") {
				t.Errorf("the night read back every form:\n%s", logs.String())
			}
			for _, l := range []struct {
				what      string
				got, want []string
			}{
				{"written", got.Feedback, want.Feedback}, {"annotated", got.Annotated, want.Annotated},
				{"unchanged", got.Unchanged, want.Unchanged}, {"removed", got.Removed, want.Removed},
			} {
				if d := cmp.Diff(rels(t, full, l.want), rels(t, out, l.got)); d != "" {
					t.Errorf("%s (-all read back +buckets):\n%s", l.what, d)
				}
				if !slices.IsSorted(l.got) {
					t.Errorf("%s: not by name: %q", l.what, l.got)
				}
			}
			if d := cmp.Diff(folderBytes(t, filepath.Join(full, "feedback")), folderBytes(t, filepath.Join(out, "feedback"))); d != "" {
				t.Errorf("feedback folder (-all read back +buckets):\n%s", d)
			}
		})
	}
}

// folderBytes is every file under dir by relative path, with an md5-like
// digest of its bytes (a diff of workbooks' bytes says nothing).
func folderBytes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, st := range snapshot(t, dir) {
		out[name] = hexOf(string(st.data))[:16]
	}
	return out
}

// copyDir copies the tree src to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// stripBuckets rewrites dir's manifest without its buckets, as one from
// before them.
func stripBuckets(t *testing.T, dir string) {
	t.Helper()
	m, data, err := readManifest(dir, slog.New(slog.DiscardHandler))
	if err != nil || data == nil || m.Buckets == nil {
		t.Fatalf("manifest: %v, %d bytes, buckets %v", err, len(data), m.Buckets)
	}
	m.Buckets = nil
	if err := os.WriteFile(filepath.Join(dir, manifestName), append(encodeManifest(m), '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rebucket computes feedback_buckets again (refresh_feedback_buckets.sql)
// after a test changed the warehouse by hand, as a full refresh does.
func rebucket(t *testing.T, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{
		`CREATE OR REPLACE TEMP TABLE refresh_mode AS SELECT true AS all_figures`,
		`CREATE OR REPLACE TEMP TABLE changed_submissions AS SELECT ''::VARCHAR AS sha256 LIMIT 0`,
		`CREATE OR REPLACE TEMP TABLE issue_digest_scope AS SELECT ''::VARCHAR AS sha256 LIMIT 0`,
		queries.SQL("refresh_feedback_buckets"),
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}
