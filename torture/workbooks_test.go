package torture

import (
	"context"
	"database/sql"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"grassroots/pipeline/form"
	"grassroots/pipeline/nightly"
	"grassroots/pipeline/report"
)

// runCommand runs the real command (`grassroots run`, workbooks included,
// with the extra flags) over inbox in a process of its own, and returns the
// warehouse, the output folder and what the process cost. A non-zero exit
// fails the test.
func runCommand(t *testing.T, registry, inbox string, extra ...string) (db, out string, u usage) {
	t.Helper()
	dir := t.TempDir()
	db, out = filepath.Join(dir, "w.duckdb"), filepath.Join(dir, "out")
	p := startMeasured(t, nil, append(quiet(runArgs(registry, inbox, db, out)), extra...)...)
	code := p.wait(t)
	u = usage{elapsed: p.took, rss: p.rss}
	for line := range strings.Lines(p.stdout.String()) {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "time: "); ok {
			u.stages = s
		}
	}
	if code != 0 {
		t.Fatalf("the batch exited %d (%v); stdout:\n%s\nstderr:\n%.4000s", code, u, p.stdout, p.stderr)
	}
	return db, out, u
}

// runInProcess runs the batch in this process, workbooks included, as the
// command does, so that its Go heap can be measured: an allocation of a
// declared size that is never written does not show in a resident set.
func runInProcess(t *testing.T, registry, inbox string) usage {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	var err error
	u := measure(func() {
		_, err = nightly.Run(context.Background(), nightly.Config{
			Inbox: inbox, Registry: registry, DB: filepath.Join(dir, "w.duckdb"), Out: out,
		})
	})
	if err != nil {
		t.Fatalf("the batch in-process failed: %v", err)
	}
	return u
}

// checkUsage holds a run to the bounds of every case.
func checkUsage(t *testing.T, u usage) {
	t.Helper()
	if u.elapsed > maxCaseTime {
		t.Errorf("took %v, over %v (%s)", u.elapsed.Round(time.Millisecond), maxCaseTime, u.stages)
	}
	if u.rss == 0 && runtime.GOOS == "linux" {
		t.Error("the process's peak resident set is unknown")
	}
	if u.rss > maxRSS {
		t.Errorf("the process's resident set peaked at %s, over %s (%s)", mb(u.rss), mb(maxRSS), u.stages)
	}
}

// countAccepted is the number of accepted submissions in the warehouse.
func countAccepted(t *testing.T, conn *sql.DB) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM submissions WHERE status = 'accepted'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkSummary: the run wrote the summary of the clean month, the newest
// one with an accepted form (every hostile form is of an earlier month).
func checkSummary(t *testing.T, out string) {
	t.Helper()
	name := filepath.Join(out, "summary-"+cleanMonth+".xlsx")
	if st, err := os.Stat(name); err != nil || st.Size() == 0 {
		entries, _ := os.ReadDir(out)
		var have []string
		for _, e := range entries {
			have = append(have, e.Name())
		}
		t.Errorf("no summary workbook %s (%v); the output folder has %q", filepath.Base(name), err, have)
	}
}

// unreadable: a file-level code of a file refused before its cells were
// read. Such a file gets its issue list and no annotated copy.
func unreadable(code string) bool {
	return code == form.CodeNotXLSX || code == form.CodeTooLarge || code == form.CodeEncrypted
}

// listDir is the regular files' names in dir (none when it is missing).
func listDir(dir string) map[string]bool {
	names := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Type().IsRegular() {
			names[e.Name()] = true
		}
	}
	return names
}

// issue is one row of the issues table, as the workbooks show it.
type issue struct{ sheet, cell, code, severity string }

// formIssues are the issues of the submission at path, and the submission
// as FeedbackName needs it; ok is false when path is not a form (ignored or
// absent).
func formIssues(t *testing.T, conn *sql.DB, path string) (s report.Submission, issues []issue, ok bool) {
	t.Helper()
	s.Path = path
	err := conn.QueryRow(`SELECT sha256, coalesce(unit_code, ''), coalesce(period, ''), status FROM submissions
		WHERE path = ? AND status <> 'ignored' AND ignored IS NULL`, path).Scan(&s.SHA256, &s.Unit, &s.Period, &s.Status)
	if err == sql.ErrNoRows {
		return s, nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(`SELECT coalesce(sheet, ''), coalesce(cell, ''), code, severity FROM issues WHERE path = ? AND sha256 = ?`, path, s.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var is issue
		if err := rows.Scan(&is.sheet, &is.cell, &is.code, &is.severity); err != nil {
			t.Fatal(err)
		}
		issues = append(issues, is)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return s, issues, true
}

// feedbackOf finds the feedback workbook of s among the names in
// OUT/feedback: FeedbackName, or with the content's first 8 hex digits
// added when another form took that name.
func feedbackOf(have map[string]bool, s *report.Submission) (string, bool) {
	name := report.FeedbackName(s)
	if have[name] {
		return name, true
	}
	alt := strings.TrimSuffix(name, ".xlsx") + "-" + s.SHA256[:min(8, len(s.SHA256))] + ".xlsx"
	if have[alt] {
		return alt, true
	}
	return name, false
}

// workbookCheck is what checkFeedback found, for the case's report line.
type workbookCheck struct {
	feedback, annotated, comments int
}

// checkFeedback checks the feedback workbooks that the run wrote in out for
// the forms at paths: every form with an issue has its issue list, which
// opens and names its file-level codes; a form refused before its cells
// were read (not_xlsx, too_large, encrypted) has no annotated copy; every
// other form with an issue on a cell has an annotated copy that opens and
// carries a comment on each flagged cell (up to the copy's cap of 1000
// comments) naming one of that cell's codes. mustAnnotate lists paths that
// must have such issues (so that the check is not vacuous).
func checkFeedback(t *testing.T, conn *sql.DB, out string, paths []string, mustAnnotate map[string]bool) workbookCheck {
	t.Helper()
	var c workbookCheck
	fbDir := filepath.Join(out, "feedback")
	anDir := filepath.Join(fbDir, "annotated")
	feedback, annotated := listDir(fbDir), listDir(anDir)
	for _, p := range paths {
		s, issues, ok := formIssues(t, conn, p)
		if !ok || len(issues) == 0 {
			if mustAnnotate[p] {
				t.Errorf("%q: no issues, want issues on cells (and an annotated copy)", p)
			}
			continue
		}
		name, ok := feedbackOf(feedback, &s)
		if !ok {
			t.Errorf("%q (%s): no feedback workbook %s in %s; it has %q", p, s.Status, name, fbDir, slices.Sorted(maps.Keys(feedback)))
			continue
		}
		c.feedback++
		refused := false
		var fileCodes []string
		cells := map[[2]string][]string{} // sheet, cell → codes
		for _, is := range issues {
			if is.severity == "file" {
				fileCodes = append(fileCodes, is.code)
				refused = refused || unreadable(is.code)
			}
			if is.sheet != "" && is.cell != "" {
				k := [2]string{is.sheet, is.cell}
				cells[k] = append(cells[k], is.code)
			}
		}
		checkIssueList(t, p, filepath.Join(fbDir, name), fileCodes)
		switch {
		case refused:
			if annotated[name] {
				t.Errorf("%q was refused unread (%v), yet it has an annotated copy %s", p, fileCodes, name)
			}
			if mustAnnotate[p] {
				t.Errorf("%q was refused unread (%v), want issues on cells (and an annotated copy)", p, fileCodes)
			}
		case len(cells) > 0:
			if !annotated[name] {
				t.Errorf("%q (%s) has %d flagged cells and no annotated copy %s in %s", p, s.Status, len(cells), name, anDir)
				continue
			}
			c.annotated++
			c.comments += checkComments(t, p, filepath.Join(anDir, name), cells)
		case mustAnnotate[p]:
			t.Errorf("%q: no issue on a cell, want some (and an annotated copy)", p)
		}
	}
	return c
}

// checkIssueList: the feedback workbook opens and lists each file-level code.
func checkIssueList(t *testing.T, path, file string, codes []string) {
	t.Helper()
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Errorf("%q: the feedback workbook %s does not open: %v", path, filepath.Base(file), err)
		return
	}
	defer f.Close()
	rows, err := f.GetRows("问题清单")
	if err != nil {
		t.Errorf("%q: the feedback workbook %s has no issue sheet: %v", path, filepath.Base(file), err)
		return
	}
	col := -1 // 问题代码, below the header row
	listed := map[string]bool{}
	for _, r := range rows {
		if col < 0 {
			col = slices.Index(r, "问题代码")
		} else if col < len(r) {
			listed[r[col]] = true
		}
	}
	for _, c := range codes {
		if !listed[c] {
			t.Errorf("%q: the feedback workbook %s does not list %s", path, filepath.Base(file), c)
		}
	}
}

// checkComments: the annotated copy opens and has a comment naming one of
// the cell's codes on every flagged cell. It returns the comments found.
func checkComments(t *testing.T, path, file string, cells map[[2]string][]string) int {
	t.Helper()
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Errorf("%q: the annotated copy %s does not open: %v", path, filepath.Base(file), err)
		return 0
	}
	defer f.Close()
	comments := map[[2]string]string{}
	for _, sheet := range f.GetSheetList() {
		cs, err := f.GetComments(sheet)
		if err != nil {
			t.Errorf("%q: the comments of %s in %s: %v", path, sheet, filepath.Base(file), err)
		}
		for _, c := range cs {
			text := c.Text
			for _, r := range c.Paragraph {
				text += r.Text
			}
			comments[[2]string{sheet, c.Cell}] += text
		}
	}
	if len(comments) == 0 {
		t.Errorf("%q: the annotated copy %s has no comment", path, filepath.Base(file))
		return 0
	}
	if len(cells) > 1000 {
		// The copy comments 1000 cells at most; the issue list has them all.
		if len(comments) < 1000 {
			t.Errorf("%q: %d flagged cells, %d comments; want 1000", path, len(cells), len(comments))
		}
		return len(comments)
	}
	missing := 0
	for k, codes := range cells {
		text, ok := comments[k]
		if !ok {
			if missing++; missing <= 5 {
				t.Errorf("%q: no comment on %s!%s (flagged %v) in %s", path, k[0], k[1], codes, filepath.Base(file))
			}
			continue
		}
		if !slices.ContainsFunc(codes, func(code string) bool { return strings.Contains(text, code) }) {
			t.Errorf("%q: the comment on %s!%s does not name %v: %q", path, k[0], k[1], codes, text)
		}
	}
	return len(comments)
}
