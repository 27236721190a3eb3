package report

import (
	"bytes"
	"cmp"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/xuri/excelize/v2"

	"grassroots/pipeline/calendar"
	"grassroots/pipeline/form"
	"grassroots/pipeline/inbox"
	"grassroots/pipeline/internal/arrowcol"
	"grassroots/pipeline/internal/parallel"
)

// feedbackSheet is the one sheet of a feedback workbook.
const feedbackSheet = "问题清单"

// Issue is one row of a feedback workbook, as the issues view has it:
// Severity is file, row or warning; Sheet and Cell are "" when the issue is
// about the whole file or a whole sheet.
type Issue struct {
	Sheet, Cell, Code, Severity, Value, Message string
}

// Submission is one form (path and content) with its issues, for a
// feedback workbook. Path is relative to the inbox, with '/'.
type Submission struct {
	Path, SHA256 string
	Unit, Period string // "" when the cover could not be read
	Status       string // accepted | superseded | rejected
	ReceivedAt   sql.NullTime
	Issues       []Issue
	// issuesMD5 is the md5 of Issues as report_feedback_digests.sql
	// computes it (issuesDigest), set when the issues are not loaded yet.
	issuesMD5 string
}

// FeedbackName is the feedback workbook's file name for s:
// <unit code>-<YYYY-MM>-<first 8 hex of sha256>.xlsx, or
// <file name without its extension>-unknown-<first 8 hex of sha256>.xlsx
// when the code or period could not be read.
func FeedbackName(s *Submission) string {
	sha := safeName(first(s.SHA256, 8))
	if s.Unit == "" || !calendar.IsPeriod(s.Period) || safeName(s.Unit) != s.Unit {
		base := path.Base(s.Path)
		base = strings.TrimSuffix(base, path.Ext(base))
		return fileSafe(base) + "-unknown-" + sha + ".xlsx"
	}
	return s.Unit + "-" + s.Period + "-" + sha + ".xlsx"
}

func first(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// fileSafe keeps a clerk's file name (Chinese included) usable as a file
// name everywhere: path separators, control and Windows-reserved characters
// become '_'.
func fileSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	return s
}

var statusLabel = map[string]string{"accepted": "已接收", "superseded": "已被替代", "rejected": "已退回"}

var severityLabel = map[string]string{"file": "整份退回", "row": "该行退回", "warning": "警告"}

func loadSubmissions(ctx context.Context, db *sql.DB) ([]*Submission, error) {
	return scanSubmissions(ctx, pool{db}, nil, nil)
}

// scanSubmissions reads the forms with issues and their issues
// (report_feedback_issues.sql): all of them when keys is nil, else those
// whose path + "\x00" + sha256 is in keys, shas being their contents.
func scanSubmissions(ctx context.Context, src source, keys, shas []string) ([]*Submission, error) {
	var filter, contents any // NULL for all: a nil []string would bind as an empty list
	if keys != nil {
		filter, contents = keys, shas
	}
	var out []*Submission
	err := query(ctx, src, "report_feedback_issues", func(r *sql.Rows) error {
		var s Submission
		var is Issue
		if err := r.Scan(&s.Path, &s.SHA256, &s.Unit, &s.Period, &s.Status, &s.ReceivedAt,
			&is.Sheet, &is.Cell, &is.Code, &is.Severity, &is.Value, &is.Message); err != nil {
			return err
		}
		if n := len(out); n > 0 && out[n-1].Path == s.Path && out[n-1].SHA256 == s.SHA256 {
			out[n-1].Issues = append(out[n-1].Issues, is)
			return nil
		}
		s.Issues = []Issue{is}
		out = append(out, &s)
		return nil
	}, filter, contents)
	return out, err
}

// loadSubmissionDigests lists the forms with an issue, each with the digest
// of its issues but not the issues themselves: a night rewrites a few
// hundred feedback workbooks of thousands, and reading every issue back to
// find them cost a third of a second at 10,000 forms.
//
// The rows come as Arrow columns: database/sql's one value at a time was
// three quarters of the query's 0.4 s for 100,000 forms.
//
// buckets limits them to the forms of those buckets
// (report_feedback_buckets.sql); nil reads every form.
func loadSubmissionDigests(ctx context.Context, src source, buckets []string) ([]*Submission, error) {
	var filter any // NULL for all, as in scanSubmissions
	if buckets != nil {
		filter = buckets
	}
	var out []*Submission
	err := arrowQuery(ctx, src, "report_feedback_digests", func(rec arrow.RecordBatch) error {
		var text [7]func(int) string
		for i := range text {
			if i == 5 {
				continue // received_at
			}
			var err error
			if text[i], err = arrowcol.String(rec, i); err != nil {
				return err
			}
		}
		received, err := arrowcol.Time(rec, 5)
		if err != nil {
			return err
		}
		n := int(rec.NumRows())
		subs := make([]Submission, n) // one allocation for the batch
		for r := range n {
			s := &subs[r]
			// Cloned: the batch's memory is DuckDB's.
			s.Path, s.SHA256, s.Unit = strings.Clone(text[0](r)), strings.Clone(text[1](r)), strings.Clone(text[2](r))
			s.Period, s.Status = strings.Clone(text[3](r)), strings.Clone(text[4](r))
			s.ReceivedAt, s.issuesMD5 = received(r), strings.Clone(text[6](r))
			out = append(out, s)
		}
		return nil
	}, filter)
	return out, err
}

// bucketDigests are the digests of report_feedback_buckets.sql, each with
// what else every feedback digest holds (feedbackDigest: the format and
// whether copies are annotated): the manifest's Buckets as they are now.
func bucketDigests(ctx context.Context, src source, annotate bool) (map[string]string, error) {
	out := map[string]string{}
	suffix := "/" + strconv.Itoa(feedbackFormat) + "/" + strconv.FormatBool(annotate)
	err := query(ctx, src, "report_feedback_buckets", func(r *sql.Rows) error {
		var bucket, digest string
		if err := r.Scan(&bucket, &digest); err != nil {
			return err
		}
		out[bucket] = digest + suffix
		return nil
	})
	return out, err
}

// feedbackBuckets is how many buckets report_feedback_buckets.sql has:
// the first 3 hex digits of a content hash.
const feedbackBuckets = 4096

// bucketOfName is the bucket (report_feedback_buckets.sql) of the form
// whose feedback workbook is name: the first 3 of the 8 hex digits of its
// content that FeedbackName ends the name with, or that a name made unique
// (feedbackNames: "<name>-<8 more>.xlsx") has before its last 8; "" for a
// name of neither shape. Before those 8 digits, FeedbackName puts a month
// ("-MM") or "-unknown", never 8 hex digits.
func bucketOfName(name string) string {
	base, ok := strings.CutSuffix(name, ".xlsx")
	if !ok {
		return ""
	}
	rest, last, ok := cutLast(base)
	if !ok {
		return ""
	}
	if _, prev, ok := cutLast(rest); ok && isHex8(prev) && isHex8(last) {
		return prev[:3]
	}
	if isHex8(last) {
		return last[:3]
	}
	return ""
}

// cutLast splits s around its last '-'.
func cutLast(s string) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func isHex8(s string) bool {
	if len(s) != 8 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// staleBuckets are the buckets whose forms a night reads back and compares
// with the manifest one by one: those whose digest (now) differs from the
// manifest's, and those with a workbook the manifest lists that is missing
// from the folder, has lost its annotated copy or waits to retry one. In
// any other bucket every form, its workbook's name and digest are as the
// manifest has them, and its workbooks are left as they are. all is true
// when every form is to be read back: a manifest without buckets (the first
// run, or one from before them), a name of another shape, or over a quarter
// of the buckets stale (as cheap as reading them all).
func staleBuckets(d feedbackDisk, now map[string]string) (stale []string, all bool) {
	if d.old.Buckets == nil || d.oddName {
		return nil, true
	}
	set := maps.Clone(d.diskStale)
	if set == nil {
		set = map[string]bool{}
	}
	for b, digest := range now {
		if d.old.Buckets[b] != digest {
			set[b] = true
		}
	}
	for b := range d.old.Buckets {
		if _, ok := now[b]; !ok {
			set[b] = true
		}
	}
	if len(set) > feedbackBuckets/4 {
		return nil, true
	}
	// Not nil when empty: nil reads every form.
	return slices.AppendSeq(make([]string, 0, len(set)), maps.Keys(set)), false
}

// loadIssues fills in the issues of subs (from loadSubmissionDigests).
func loadIssues(ctx context.Context, src source, subs []*Submission) error {
	if len(subs) == 0 {
		return nil
	}
	keys := make([]string, len(subs))
	byKey := make(map[string]*Submission, len(subs))
	shas := make([]string, 0, len(subs))
	seen := make(map[string]bool, len(subs))
	for i, s := range subs {
		keys[i] = s.Path + "\x00" + s.SHA256
		byKey[keys[i]] = s
		if !seen[s.SHA256] {
			seen[s.SHA256] = true
			shas = append(shas, s.SHA256)
		}
	}
	full, err := scanSubmissions(ctx, src, keys, shas)
	if err != nil {
		return err
	}
	for _, f := range full {
		if s := byKey[f.Path+"\x00"+f.SHA256]; s != nil {
			s.Issues = f.Issues
		}
	}
	return nil
}

// issuesDigest is the md5 of issues as report_feedback_digests.sql computes
// it: each issue's fields joined by U+001F, the issues by U+001E.
func issuesDigest(issues []Issue) string {
	h := md5.New()
	for i, is := range issues {
		if i > 0 {
			h.Write([]byte{0x1e})
		}
		io.WriteString(h, strings.Join([]string{is.Sheet, is.Cell, is.Code, is.Severity, is.Value, is.Message}, "\x1f"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// readFeedback reads what the feedback workbooks need of the warehouse, on
// src: the buckets' digests, the forms of the stale buckets, and the issues
// of the forms whose workbooks are to be written; feedbackJob.write does
// the rest, from the inbox's files. There is a feedback workbook (and,
// from the inbox, an annotated copy) for every form with an issue. Two
// paths of the same content share one name: the accepted one, else the
// latest received, is written. Two names that still clash (the same first
// 8 hex digits of two contents) get the whole digest's next 8 added to the
// later one's name.
//
// Only the forms of the stale buckets (staleBuckets) are read back and
// compared: a night's few hundred changed forms touch a few hundred of the
// 4,096 buckets, and reading back and comparing all 100,000 forms of a
// year took 0.7 s of the night's workbook stage.
func readFeedback(ctx context.Context, src source, o Options) (*feedbackJob, error) {
	// What the folder holds is read while DuckDB answers: the manifest and
	// the listings of 100,000 workbooks take as long as the query.
	folder := o.Folder
	if folder == nil {
		folder = ReadFeedbackFolder(o)
	}
	buckets, err := bucketDigests(ctx, src, o.InboxDir != "")
	d := folder.wait()
	if err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	stale, all := staleBuckets(d, buckets)
	var kept map[string]manifestEntry // the workbooks of the other buckets
	if !all {
		kept, d.old = splitManifest(d.old, d.byBucket, stale)
	}
	var subs []*Submission
	if all || len(stale) > 0 {
		if subs, err = loadSubmissionDigests(ctx, src, stale); err != nil {
			return nil, err
		}
	}
	o.Log.Debug("feedback forms compared", "forms", len(subs), "buckets", len(stale), "of", len(buckets), "all", all)
	job, err := planFeedbackBooks(subs, o, d, func(need []*Submission) error { return loadIssues(ctx, src, need) })
	if err != nil {
		return nil, err
	}
	job.buckets, job.kept = buckets, kept
	return job, nil
}

// splitManifest moves m's workbooks of the stale buckets (byBucket: m's
// names by bucket) into rest (with m's version and buckets) and leaves the
// others in m's map, kept.
func splitManifest(m *manifest, byBucket map[string][]string, stale []string) (kept map[string]manifestEntry, rest *manifest) {
	rest = &manifest{Version: m.Version, Feedback: map[string]manifestEntry{}, Buckets: m.Buckets}
	for _, b := range stale {
		for _, name := range byBucket[b] {
			rest.Feedback[name] = m.Feedback[name]
			delete(m.Feedback, name)
		}
	}
	return m.Feedback, rest
}

// mergeSorted merges two sorted lists into one.
func mergeSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] <= b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// feedbackDisk is what the feedback folder holds before a run writes to
// it: the last run's manifest (old, and its bytes oldData), the workbooks
// and annotated copies present, and the inbox's files by path.
type feedbackDisk struct {
	dir, annotatedDir   string
	old                 *manifest
	oldData             []byte
	have, haveAnnotated map[string]bool
	originals           map[string]string
	// The manifest's workbooks by bucket, and what the folder says of
	// them (indexBuckets): worked out with the listing, in the background,
	// where inside the run, on the figures' path, they took 60 ms of a
	// night (90,000 names looked at twice).
	byBucket  map[string][]string
	diskStale map[string]bool // a workbook missing, its annotated copy lost, or a copy to retry
	oddName   bool            // a name of another shape: every form is read back
	err       error
}

// indexBuckets fills in byBucket, diskStale and oddName from the manifest
// and the listings.
func (d *feedbackDisk) indexBuckets() {
	d.byBucket, d.diskStale = map[string][]string{}, map[string]bool{}
	for name, e := range d.old.Feedback {
		b := bucketOfName(name)
		if b == "" {
			d.oddName = true
			continue
		}
		d.byBucket[b] = append(d.byBucket[b], name)
		if !d.have[name] || e.Annotated && !d.haveAnnotated[name] || e.Retry != nil {
			d.diskStale[b] = true
		}
	}
}

// FeedbackFolder is the feedback folder read in the background
// (ReadFeedbackFolder).
type FeedbackFolder struct {
	done chan struct{}
	disk feedbackDisk
}

// ReadFeedbackFolder starts reading what the feedback folder under
// o.OutDir holds (the last run's manifest, the workbooks and annotated
// copies present; the files of o.Inbox by path), for Options.Folder. The
// batch starts it as soon as the inbox is listed: at 100,000 workbooks it
// takes 0.4 s (a 14 MB manifest, two folders listed, 120,000 paths mapped),
// which beside DuckDB's refresh costs the night nothing, while in the
// report stage it delayed the feedback workbooks by as much. Nothing else
// writes to the folder before the report stage: the warehouse's lock keeps
// a second batch out.
func ReadFeedbackFolder(o Options) *FeedbackFolder {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.OutDir == "" {
		o.OutDir = "."
	}
	f := &FeedbackFolder{done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.disk = readFeedbackDisk(o)
	}()
	return f
}

// Close waits for the reading to end: a batch that stops before its report
// stage leaves nothing running.
func (f *FeedbackFolder) Close() { <-f.done }

// wait waits for the reading to end, and gives what it found.
func (f *FeedbackFolder) wait() feedbackDisk {
	<-f.done
	return f.disk
}

func readFeedbackDisk(o Options) feedbackDisk {
	d := feedbackDisk{dir: filepath.Join(o.OutDir, "feedback")}
	d.annotatedDir = filepath.Join(d.dir, "annotated")
	d.old, d.oldData, d.err = readManifest(d.dir, o.Log)
	if d.err != nil {
		return d
	}
	d.have, d.haveAnnotated = regularFiles(d.dir), regularFiles(d.annotatedDir)
	d.indexBuckets()
	d.originals = originalPaths(o)
	return d
}

// namedSubmission is a feedback workbook to be: its file name and form.
type namedSubmission struct {
	name string
	sub  *Submission
}

// feedbackNames gives each form its workbook's name, in name order.
func feedbackNames(subs []*Submission, log *slog.Logger) []namedSubmission {
	rank := map[string]int{"accepted": 0, "superseded": 1, "rejected": 2}
	order := func(a, b *Submission) int {
		return cmp.Or(cmp.Compare(rank[a.Status], rank[b.Status]),
			-a.ReceivedAt.Time.Compare(b.ReceivedAt.Time),
			strings.Compare(a.Path, b.Path), strings.Compare(a.SHA256, b.SHA256))
	}
	// report_feedback_digests.sql gives them in this order already.
	if !slices.IsSortedFunc(subs, order) {
		slices.SortStableFunc(subs, order)
	}
	todo := make([]namedSubmission, 0, len(subs))
	taken := make(map[string]*Submission, len(subs))
	for _, s := range subs {
		name := FeedbackName(s)
		if t, ok := taken[name]; ok {
			if t.SHA256 == s.SHA256 {
				continue // the same content under another path
			}
			next := ""
			if len(s.SHA256) > 8 {
				next = first(s.SHA256[8:], 8)
			}
			name = strings.TrimSuffix(name, ".xlsx") + "-" + safeName(next) + ".xlsx"
			if _, ok := taken[name]; ok {
				log.Warn("feedback name taken twice, skipped", "file", s.Path, "name", name)
				continue
			}
		}
		taken[name] = s
		todo = append(todo, namedSubmission{name, s})
	}
	slices.SortFunc(todo, func(a, b namedSubmission) int { return strings.Compare(a.name, b.name) })
	return todo
}

// feedbackPlan is what writeFeedbackBooks leaves to do once the staged
// workbooks are in place: remove those of earlier runs that no longer apply,
// then record the new manifest.
type feedbackPlan struct {
	dir, annotatedDir string
	manifest          *manifest
	manifestData      []byte   // manifest encoded (encode), nil until then
	oldManifest       []byte   // the manifest file as read, to skip an unchanged one
	remove            []string // paths
}

// encode encodes the manifest for finish, on the feedback workbooks' own
// goroutine: 100,000 entries take 50 ms, which at finish came after the
// summary's workbooks, the report stage's last work.
func (p *feedbackPlan) encode() {
	if p != nil && p.manifest != nil {
		p.manifestData = encodeManifest(p.manifest)
	}
}

// writeFeedbackBooks stages the feedback workbooks (and annotated copies)
// of subs whose digest differs from the manifest's, or whose files are
// missing, and plans the removal of those the manifest lists but subs no
// longer produce. Subs without their issues (issuesMD5 set) get them from
// fill, only for the workbooks to write.
func writeFeedbackBooks(ctx context.Context, subs []*Submission, o Options, disk feedbackDisk, st *stager, res *Result, fill func([]*Submission) error) (*feedbackPlan, error) {
	job, err := planFeedbackBooks(subs, o, disk, fill)
	if err != nil {
		return nil, err
	}
	return job.write(ctx, o, st, res)
}

// feedbackJob is the feedback workbooks to write once the warehouse has
// been read (planFeedbackBooks, readFeedback); write does the rest.
type feedbackJob struct {
	p       *feedbackPlan
	disk    feedbackDisk
	todo    []namedSubmission
	entries []manifestEntry // each of todo's: kept from the manifest, or set by write
	digests []string
	redo    []int // the workbooks to write, by index in todo
	// Set by readFeedback: the buckets' digests, and the manifest's
	// entries of the buckets not compared (nil when all were).
	buckets map[string]string
	kept    map[string]manifestEntry
}

// planFeedbackBooks is writeFeedbackBooks' first part, the only one that
// reads the warehouse (through fill): which workbooks to write.
func planFeedbackBooks(subs []*Submission, o Options, disk feedbackDisk, fill func([]*Submission) error) (*feedbackJob, error) {
	if disk.err != nil {
		return nil, disk.err
	}
	todo := feedbackNames(subs, o.Log)
	job := &feedbackJob{p: &feedbackPlan{dir: disk.dir, annotatedDir: disk.annotatedDir}, disk: disk, todo: todo}
	if len(todo) == 0 && disk.oldData == nil {
		return job, nil // nothing to write, nothing written before
	}
	job.p.oldManifest = disk.oldData
	job.entries = make([]manifestEntry, len(todo))
	job.digests = make([]string, len(todo))
	var missing []*Submission
	var buf []byte
	for i, t := range todo {
		job.digests[i] = feedbackDigest(&buf, t.sub, o.InboxDir != "")
		if prev, ok := disk.old.Feedback[t.name]; ok && prev.Digest == job.digests[i] && disk.have[t.name] {
			original := disk.originals[t.sub.Path]
			if prev.Annotated && disk.haveAnnotated[t.name] || !prev.Annotated && !prev.Retry.retryDue(original) {
				job.entries[i] = prev
				continue
			}
		}
		job.redo = append(job.redo, i)
		if t.sub.Issues == nil {
			missing = append(missing, t.sub)
		}
	}
	if len(missing) > 0 {
		if fill == nil {
			return nil, fmt.Errorf("feedback: %d forms without their issues", len(missing))
		}
		if err := fill(missing); err != nil {
			return nil, err
		}
	}
	return job, nil
}

// write stages the workbooks of j.redo and settles the plan: the new
// manifest (with the buckets not compared, when readFeedback set them),
// the workbooks written and kept in res, the removals.
func (j *feedbackJob) write(ctx context.Context, o Options, st *stager, res *Result) (*feedbackPlan, error) {
	p, todo := j.p, j.todo
	if j.entries == nil {
		return p, nil // planFeedbackBooks: nothing to write, nothing written before
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, err
	}
	if o.InboxDir != "" {
		if err := os.MkdirAll(p.annotatedDir, 0o755); err != nil {
			return nil, err
		}
	}
	written := make([]bool, len(todo))
	err := parallel.Each(ctx, o.Workers, len(j.redo), func(k int) error {
		i := j.redo[k]
		t := todo[i]
		period, sh := feedbackContent(t.sub)
		data, err := feedbackBook(period, sh)
		if err != nil {
			return fmt.Errorf("feedback for %s: %w", t.sub.Path, err)
		}
		if err := st.write(filepath.Join(p.dir, t.name), data); err != nil {
			return err
		}
		written[i] = true
		j.entries[i] = manifestEntry{Digest: j.digests[i]}
		if o.InboxDir != "" {
			j.entries[i].Annotated, j.entries[i].Retry, err = annotate(o, st, t.sub, j.disk.originals[t.sub.Path], filepath.Join(p.annotatedDir, t.name))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	p.settle(todo, j.entries, written, j.disk.old, j.disk.have, j.disk.haveAnnotated, res)
	if j.buckets == nil {
		return p, nil
	}
	p.manifest.Buckets = j.buckets
	if j.kept != nil {
		names := slices.Sorted(maps.Keys(j.kept))
		unchanged := make([]string, 0, len(names))
		for _, name := range names {
			unchanged = append(unchanged, filepath.Join(p.dir, name))
		}
		// Both by name, as Result says.
		res.Unchanged = mergeSorted(unchanged, res.Unchanged)
		// The stale buckets' few hundred entries join the others' map.
		maps.Copy(j.kept, p.manifest.Feedback)
		p.manifest.Feedback = j.kept
	}
	return p, nil
}

// regularFiles are the names of the files in dir (none for a missing one),
// once the temporary files and staging folders of a killed run are removed
// from it.
func regularFiles(dir string) map[string]bool {
	// Not os.ReadDir, which sorts: 100,000 names sorted for a lookup.
	var entries []fs.DirEntry
	if f, err := os.Open(dir); err == nil {
		entries, _ = f.ReadDir(-1)
		f.Close()
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		switch {
		case isStaleTemp(e):
			os.Remove(filepath.Join(dir, e.Name()))
		case isStaleStaging(dir, e):
			os.RemoveAll(filepath.Join(dir, e.Name()))
		case e.Type().IsRegular():
			names[e.Name()] = true
		}
	}
	return names
}

// settle records the run's feedback workbooks: the new manifest (an entry
// for each of todo, written now or kept), the workbooks written and left
// unchanged in res, and the removals of the annotated copies gone out of
// date and of the workbooks and copies that no form produces any more.
func (p *feedbackPlan) settle(todo []namedSubmission, entries []manifestEntry, written []bool, old *manifest, have, haveAnnotated map[string]bool, res *Result) {
	p.manifest = &manifest{Version: manifestVersion, Feedback: make(map[string]manifestEntry, len(todo))}
	for i, t := range todo {
		e := entries[i]
		p.manifest.Feedback[t.name] = e
		f := filepath.Join(p.dir, t.name)
		a := filepath.Join(p.annotatedDir, t.name)
		if !written[i] {
			res.Unchanged = append(res.Unchanged, f)
			continue
		}
		res.Feedback = append(res.Feedback, f)
		if e.Annotated {
			res.Annotated = append(res.Annotated, a)
		} else if old.Feedback[t.name].Annotated && haveAnnotated[t.name] {
			p.remove = append(p.remove, a) // an out-of-date copy
		}
	}
	for _, name := range slices.Sorted(maps.Keys(old.Feedback)) {
		if _, ok := p.manifest.Feedback[name]; ok {
			continue
		}
		if have[name] {
			p.remove = append(p.remove, filepath.Join(p.dir, name))
		}
		if old.Feedback[name].Annotated && haveAnnotated[name] {
			p.remove = append(p.remove, filepath.Join(p.annotatedDir, name))
		}
	}
}

// originalPaths maps each form's path, as the warehouse shows it, to the
// file as the file system names it: a name in GBK bytes is shown decoded,
// and only the inbox's own listing gives its bytes back (the batch's, in
// Options.Inbox, or a new one).
func originalPaths(o Options) map[string]string {
	if o.InboxDir == "" {
		return nil
	}
	files := o.Inbox
	if files == nil {
		var err error
		files, err = inbox.Scan(o.InboxDir, calendar.Shanghai, slog.New(slog.DiscardHandler)) // the batch logged its findings
		if err != nil {
			o.Log.Warn("annotated copies skipped: the inbox cannot be listed", "err", err)
			return nil
		}
	}
	m := make(map[string]string, len(files))
	for _, f := range files {
		m[f.Path] = f.Abs
	}
	return m
}

// finish removes the workbooks that no longer apply, then records the
// manifest: a crash in between leaves them listed in the old manifest, and
// the next run removes them.
func (p *feedbackPlan) finish(res *Result) error {
	for _, f := range p.remove {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		res.Removed = append(res.Removed, f)
	}
	if p.manifest == nil {
		return nil
	}
	if p.manifestData == nil {
		p.encode()
	}
	return writeManifest(p.dir, p.manifestData, p.oldManifest)
}

// feedbackDigest is a digest of everything the feedback workbook of s and
// its annotated copy are made from: status, path and content hash, the
// document's month, the issues (their md5, as the warehouse computes it or
// from the issues themselves), whether a copy is made, and feedbackFormat
// for the layout (bump it when the workbooks' make-up changes).
// buf holds the bytes hashed, reused from one call to the next.
func feedbackDigest(buf *[]byte, s *Submission, annotate bool) string {
	d := digesterOn(buf)
	d.int(feedbackFormat)
	d.str(s.Status)
	d.str(s.Path)
	d.str(s.SHA256)
	d.str(feedbackPeriod(s))
	md := s.issuesMD5
	if md == "" {
		md = issuesDigest(s.Issues)
	}
	d.str(md)
	d.str(strconv.FormatBool(annotate))
	return d.sum()
}

// feedbackPeriod is the month of s's feedback workbook's document
// properties, "" when it could not be read.
func feedbackPeriod(s *Submission) string {
	if calendar.IsPeriod(s.Period) {
		return s.Period
	}
	return ""
}

// SortIssues orders issues by sheet, then cell in sheet order (column
// letters, then row number: F9 before F10), keeping the reader's order
// among equals. Issues without a cell come first in their sheet.
func SortIssues(issues []Issue) {
	slices.SortStableFunc(issues, func(a, b Issue) int {
		return cmp.Or(strings.Compare(a.Sheet, b.Sheet), compareCells(a.Cell, b.Cell))
	})
}

func compareCells(a, b string) int {
	ca, ra, errA := excelize.CellNameToCoordinates(a)
	cb, rb, errB := excelize.CellNameToCoordinates(b)
	switch {
	case errA != nil && errB != nil:
		return strings.Compare(a, b)
	case errA != nil: // "" and unreadable references first
		return -1
	case errB != nil:
		return 1
	}
	return cmp.Or(cmp.Compare(ca, cb), cmp.Compare(ra, rb))
}

// feedbackContent is what the feedback workbook of s shows: the period of
// its document properties ("" when unreadable) and its one sheet: status and
// path in the title row, then one row per issue (sheet, cell, value found,
// code, message, severity), sorted by SortIssues, phone numbers in values
// and messages masked (MaskPhones).
func feedbackContent(s *Submission) (string, *sheet) {
	period := feedbackPeriod(s)
	issues := slices.Clone(s.Issues)
	SortIssues(issues)
	counts := map[string]int{}
	for _, is := range issues {
		counts[is.Severity]++
	}
	status := statusLabel[s.Status]
	if status == "" {
		status = s.Status
	}
	sh := &sheet{name: feedbackSheet, filterRows: -1,
		title: fmt.Sprintf("状态：%s　文件：%s　（共%d条：整份退回%d条，该行退回%d条，警告%d条）",
			status, s.Path, len(issues), counts["file"], counts["row"], counts["warning"]),
		header: feedbackHeader,
		widths: map[int]float64{},
	}
	sh.rows = make([][]any, len(issues))
	for i, is := range issues {
		sev := severityLabel[is.Severity]
		if sev == "" {
			sev = is.Severity
		}
		sh.rows[i] = []any{is.Sheet, is.Cell, MaskPhones(is.Value), is.Code, MaskPhones(is.Message), sev}
	}
	// The title row overflows to the right; the first column stays narrow.
	sh.widths[1] = min(max(displayWidthOf(sh.rows, 0), displayWidth("工作表"))+2, 30)
	return period, sh
}

func displayWidthOf(rows [][]any, col int) float64 {
	var w float64
	for _, r := range rows {
		if col < len(r) {
			w = max(w, valueWidth(r[col]))
		}
	}
	return w
}

// annotate writes a copy of the clerk's own workbook with each offending
// cell filled red and commented with the messages, unmasked: it is the
// clerk's own data going back to the clerk. original is the file as the file
// system names it ("" when the inbox no longer has it). A file rejected as
// damaged, too large, encrypted or not a workbook gets none: the issue list
// says why, and opening it again would cost what the reader refused to
// spend. A missing, changed or unreadable original is logged and skipped;
// when the reason may pass (missing or changed), retry is the original as
// seen, for the next run to try again once it differs.
func annotate(o Options, st *stager, s *Submission, original, dst string) (written bool, retry *fileStamp, err error) {
	if unreadable(s) {
		return false, nil, nil
	}
	if original == "" {
		o.Log.Info("annotated copy skipped: the original is no longer in the inbox", "file", s.Path)
		return false, &fileStamp{}, nil
	}
	// The real name's extension: a shown name may end in its escaped raw
	// bytes ("x.xlsx (\xb2….xlsx)"). A .xlsm copy under an .xlsx name would
	// not open in Excel.
	if !strings.EqualFold(filepath.Ext(original), ".xlsx") {
		o.Log.Info("annotated copy skipped: not an .xlsx file", "file", s.Path)
		return false, nil, nil
	}
	// Stat before reading: a file replaced in between is tried again.
	seen := stampOf(original)
	data, err := readBounded(original, o.Limits.WithDefaults().MaxFileBytes)
	if err != nil {
		o.Log.Info("annotated copy skipped: original not readable", "file", s.Path, "err", err)
		return false, seen, nil
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != strings.ToLower(s.SHA256) {
		o.Log.Info("annotated copy skipped: original changed since it was loaded", "file", s.Path)
		return false, seen, nil
	}
	var out bytes.Buffer
	out.Grow(len(data) + 4096)
	if err := form.Annotate(&out, bytes.NewReader(data), int64(len(data)), o.Limits, notes(s.Issues)); err != nil {
		o.Log.Info("annotated copy skipped: original not a readable workbook", "file", s.Path, "err", err)
		return false, nil, nil
	}
	return true, nil, st.write(dst, out.Bytes())
}

// unreadable: the reader rejected the file as a whole before reading its
// cells (nothing in it to point at).
func unreadable(s *Submission) bool {
	for _, is := range s.Issues {
		if is.Severity == "file" && (is.Code == form.CodeNotXLSX || is.Code == form.CodeTooLarge || is.Code == form.CodeEncrypted) {
			return true
		}
	}
	return false
}

// readBounded reads a file of at most limit bytes; a larger one is an error
// without being read.
func readBounded(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > limit {
		return nil, fmt.Errorf("not a regular file of at most %d bytes", limit)
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, err
	}
	return data, nil
}

// notes are the comments of an annotated copy: per issue with a cell, its
// severity, code and message.
func notes(issues []Issue) []form.Note {
	var out []form.Note
	for _, is := range issues {
		if is.Sheet == "" || is.Cell == "" {
			continue
		}
		out = append(out, form.Note{Sheet: is.Sheet, Cell: is.Cell, Text: severityLabel[is.Severity] + "（" + is.Code + "）：" + is.Message})
	}
	return out
}
