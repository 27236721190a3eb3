// Package report writes the Excel workbooks of docs/outputs.md from a
// warehouse after a run: the summary for officials (summary-YYYY-MM.xlsx),
// one workbook per township (townships/<code>-YYYY-MM.xlsx) and a feedback
// workbook for every form with a rejection or a warning (feedback/…), with an
// annotated copy of the clerk's own workbook when the original is at hand.
//
// It reads the warehouse only through queries/report_*.sql, over the public
// views; residents' names and phones (request_rows) are never read. The entry
// point is Write. Every file is written to a temporary name in its folder and
// renamed into place, so a crash never leaves a half-written workbook, and the
// same warehouse and Options.Now give byte-identical files in an empty
// folder (document dates come from the period; Now appears only in the title
// rows).
//
// The township and feedback workbooks are incremental: a run writes only
// those whose content changed or whose files are missing. A manifest in each
// folder, replaced atomically once the run's files are in place, records
// what the run left; without a readable one, every workbook of the folder is
// written and none removed.
//
// townships/manifest.json records, per township workbook, its month and a
// digest of everything it shows but the run time in its title rows: the
// sheets as built from the warehouse, before any workbook is (every row,
// style id, width and chart), the document's title and month, and
// townshipFormat. It also records the digest of what the sheets were built
// from (inputs.go): a township whose inputs did not change is not even
// built, unless the layout did (a few are built to find out). An unchanged
// township workbook is left as it was, so it keeps the run time of the run
// that last changed it. A run removes the
// township workbooks of its own month that the manifest lists and that it
// no longer produces (a township gone from the registry); those of other
// months are the history officials keep and are never removed, nor is any
// file the manifest does not list. The summary is written on every run: it
// is one file, and a night's forms nearly always change it.
//
// feedback/manifest.json records, per workbook, a digest of everything it
// and its annotated copy show (the sheet as built, with status, path and
// every issue row as written; the form's content hash; the issues as the
// copy writes them; feedbackFormat). A run removes those the manifest lists
// that no longer apply (with their copies), and never touches a file the
// manifest does not list. An unchanged feedback workbook is the same file,
// byte for byte, as the one the last run would have written.
//
// Result says which files were written, kept and removed.
//
// The summary's and townships' sheets print on A4 landscape, one page wide.
//
// Choices of detail (docs/outputs.md describes the result):
//   - Every sheet has the title in row 1 (unit, month, run time in
//     Asia/Shanghai), the header in row 2 (frozen, filtered), data from row 3.
//   - 总览 and 趋势 show every metric of metric_catalog; 趋势's line chart
//     draws reporting_rate, timely_rate, coverage_all, resolution_rate and
//     satisfaction_rate. A month without data has empty cells.
//   - 乡镇汇总 shows every metric; equal resolution rates share a rank, a
//     township without one has none and comes last.
//   - 预警清单 lists villages and communities, one row per (unit, rule), so
//     that officials can filter by rule. Its threshold rules are the metric
//     definitions' threshold and direction, as metric_catalog holds them
//     (the last run's definitions): there is no other setting, so that a
//     definitions file changes the workbooks and the warehouse alike. The
//     coverage rates (coverage_… and enterprise_party_coverage) with the
//     same rule are one rule, whose row shows the rate furthest past the
//     threshold and lists each rate past it.
//   - 报送情况 masks phone numbers inside the rejection reason (a clerk's
//     message may quote a resident's); the clerk's own phone is shown.
//   - A township's workbook has the same six sheets, its 总览 chart by
//     village or community.
package report

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"grassroots/pipeline/calendar"
	"grassroots/pipeline/form"
	"grassroots/pipeline/inbox"
	"grassroots/queries"
)

// Options say where and for which month the workbooks are written. What
// they show comes from the warehouse alone: the 预警清单 thresholds too are
// the metric definitions' (metric_catalog), changed with a definitions
// file, not here.
type Options struct {
	// OutDir receives summary-YYYY-MM.xlsx, townships/ and feedback/; ""
	// means the current directory.
	OutDir string
	// Period is the summary's month, YYYY-MM. "" means the newest month that
	// has an accepted form and is not after Now's month (Asia/Shanghai).
	Period string
	// Now is the batch's run time, shown in the title rows. It is the only
	// input besides the warehouse, and the only thing that may differ between
	// two runs' workbooks; a township workbook left unchanged keeps the run
	// time of the run that wrote it. The zero value means time.Now().
	Now time.Time
	// InboxDir is where the forms' paths are relative to; the annotated copies
	// of the clerks' workbooks are made from there. "" writes no copies.
	InboxDir string
	// Inbox is the inbox as the batch listed it (inbox.Scan of InboxDir),
	// which maps a form's path as the warehouse shows it to the file to
	// open; nil lists InboxDir again.
	Inbox []inbox.File
	// Limits bound what making an annotated copy opens and inflates: those
	// the batch read the forms with (the zero value: the defaults).
	Limits form.Limits
	// Workers is how many workbooks are built at once; 0 means one per CPU.
	Workers int
	// Log receives progress and skipped copies; nil discards.
	Log *slog.Logger
	// Folder is the feedback folder as ReadFeedbackFolder read it, with the
	// same OutDir, InboxDir and Inbox, while the batch was still loading;
	// nil reads it now.
	Folder *FeedbackFolder
	// Feedback, when set, is the feedback workbooks begun by BeginFeedback
	// with the same OutDir, InboxDir and Inbox: Write writes no others, and
	// commits its files with the summaries'.
	Feedback *Feedback
	// AfterReads, when set, is called once Write has read all it needs of
	// the warehouse (it then only builds and writes files), before Write
	// returns; not at all when Write fails before that. It must not block:
	// the batch starts DuckDB's checkpoint there, beside the workbooks.
	AfterReads func()

	// Set by Write: called by each branch once it has read the warehouse.
	feedbackRead, summaryRead func()
}

// Result lists the files written, kept and removed, as paths under OutDir.
// The township workbooks of the month are Townships and TownshipsUnchanged
// together; the feedback workbooks that apply are Feedback and Unchanged.
type Result struct {
	Period  string // the summary's month, "" when there was none to summarize
	Summary string // summary-YYYY-MM.xlsx, "" when Period is ""
	// Townships are the township workbooks written by this run,
	// townships/<code>-YYYY-MM.xlsx, by code.
	Townships []string
	// TownshipsUnchanged are the township workbooks that show what they
	// showed after the run that wrote them and were left as they were, with
	// that run's time in their title rows; by code.
	TownshipsUnchanged []string
	// TownshipsRemoved are the township workbooks of the month that earlier
	// runs wrote for townships no longer in the registry, removed.
	TownshipsRemoved []string
	Feedback         []string // feedback/*.xlsx written by this run, by name
	Annotated        []string // feedback/annotated/*.xlsx written by this run, by name
	// Unchanged are the feedback workbooks that show what they showed after
	// the last run and were left as they were, each with its annotated copy
	// if it has one; by name.
	Unchanged []string
	// Removed are the feedback workbooks and annotated copies of earlier
	// runs that no longer apply (a form whose warnings vanished), removed.
	Removed []string
}

// ErrNoPeriod: Options.Period is not a month.
var ErrNoPeriod = errors.New("not a month (want YYYY-MM)")

// Write writes every workbook from db (a warehouse after a run), the
// township and feedback workbooks only where they changed (see the package
// comment). A form whose original cannot be annotated is logged and
// skipped; any other failure stops the writing and is returned, and then no
// file is replaced: every workbook is written under a temporary name first
// and all are renamed into place at the end. Township and feedback workbooks
// that no longer apply are removed after that, and each folder's manifest is
// written last, so that a crash in between leaves them listed for the next
// run to remove.
func Write(ctx context.Context, db *sql.DB, o Options) (Result, error) {
	o.setDefaults()
	if o.Feedback != nil {
		// Discards what Write does not commit; nothing once it has.
		defer o.Feedback.Abort()
	}
	var res Result
	if o.Period != "" && !calendar.IsPeriod(o.Period) {
		return res, fmt.Errorf("report period %q: %w", o.Period, ErrNoPeriod)
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return res, err
	}
	// The feedback folders' are removed as they are listed (readFeedbackDisk),
	// which saves listing 200,000 workbooks twice.
	removeStaleTemps(o.OutDir, filepath.Join(o.OutDir, "townships"))
	st := &stager{root: o.OutDir}
	defer st.abort()
	period := o.Period
	if period == "" {
		var err error
		if period, err = DefaultPeriod(ctx, db, o.Now); err != nil {
			return res, err
		}
	}
	// The feedback workbooks need nothing of the summaries: they are made
	// beside them. The summaries wait on DuckDB's queries and write a few
	// large workbooks, the feedback writes thousands of small ones, and on a
	// real inbox (most forms with a warning) the two overlapped took about a
	// second less than one after the other.
	start := time.Now()
	// Each branch says when it has read the warehouse; the second calls
	// AfterReads.
	var readsMu sync.Mutex
	reading := 2
	readsDone := func() {
		readsMu.Lock()
		defer readsMu.Unlock()
		if reading--; reading == 0 && o.AfterReads != nil {
			o.AfterReads()
		}
	}
	var fbRead, sumRead sync.Once
	o.feedbackRead = func() { fbRead.Do(readsDone) }
	o.summaryRead = func() { sumRead.Do(readsDone) }
	var fbRes Result
	var plan *feedbackPlan
	var fbErr error
	fbDone := make(chan struct{})
	go func() {
		defer close(fbDone)
		fb := o.Feedback // begun by the batch inside its run, or begun here
		if fb == nil {
			var err error
			if fb, err = beginFeedback(ctx, pool{db}, o); err != nil {
				fbErr = err
				return
			}
		}
		o.feedbackRead() // the rest reads inbox files, not the warehouse
		<-fb.done
		plan, fbErr, fbRes = fb.plan, fb.err, fb.res
		st.adopt(&fb.st)
	}()
	var towns *townshipPlan
	var sumErr error
	if period == "" {
		o.Log.Info("no accepted form: no summary written")
		sumRead.Do(readsDone)
	} else {
		res.Period = period
		towns, sumErr = writeSummaries(ctx, db, o, st, period, &res)
		if sumErr == nil {
			o.Log.Info("summary written", "period", period, "townships", len(res.Townships),
				"townships_unchanged", len(res.TownshipsUnchanged), "elapsed_ms", time.Since(start).Milliseconds())
		}
	}
	<-fbDone
	if err := cmp.Or(sumErr, fbErr); err != nil {
		return Result{}, err
	}
	res.Feedback, res.Annotated, res.Unchanged = fbRes.Feedback, fbRes.Annotated, fbRes.Unchanged
	staged, files := time.Now(), len(st.files)
	if err := st.commit(); err != nil {
		return Result{}, err
	}
	// The sync(2) of commit flushes whatever the machine has not written
	// yet, the warehouse's last checkpoint included.
	o.Log.Debug("workbooks committed", "files", files, "elapsed_ms", time.Since(staged).Milliseconds())
	if err := towns.finish(&res); err != nil {
		return Result{}, err
	}
	if err := plan.finish(&res); err != nil {
		return Result{}, err
	}
	o.Log.Info("feedback written", "files", len(res.Feedback), "annotated", len(res.Annotated),
		"unchanged", len(res.Unchanged), "removed", len(res.Removed),
		"elapsed_ms", time.Since(start).Milliseconds())
	return res, nil
}

// setDefaults fills in the zero values Options documents.
func (o *Options) setDefaults() {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.OutDir == "" {
		o.OutDir = "."
	}
}

// Feedback is the villages' feedback workbooks begun ahead of the rest of
// the report stage (BeginFeedback): what they need of the warehouse read,
// the workbooks being staged on a goroutine of their own. Options.Feedback
// hands it to Write, which commits its files with the summaries'; Abort
// discards it.
type Feedback struct {
	cancel context.CancelFunc
	done   chan struct{} // closed once plan, err and res are set
	st     stager
	plan   *feedbackPlan
	err    error
	res    Result
}

// BeginFeedback reads what the feedback workbooks need on conn, then
// stages them in the background and returns. The batch calls it on its
// run's connection, inside the run's transaction, once the forms'
// statuses and issues are final (warehouse.Settings.AfterIssues): the
// workbooks are then built while DuckDB computes the figures, and only
// made visible (by Write) once the run has committed. o is as for Write;
// its Feedback and AfterReads are not used.
func BeginFeedback(ctx context.Context, conn *sql.Conn, o Options) (*Feedback, error) {
	o.setDefaults()
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	return beginFeedback(ctx, held{conn}, o)
}

// beginFeedback is BeginFeedback on src, with o's defaults set.
func beginFeedback(ctx context.Context, src source, o Options) (*Feedback, error) {
	job, err := readFeedback(ctx, src, o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &Feedback{cancel: cancel, done: make(chan struct{}), st: stager{root: o.OutDir}}
	go func() {
		defer close(f.done)
		f.plan, f.err = job.write(ctx, o, &f.st, &f.res)
		if f.err == nil {
			f.plan.encode()
		}
	}()
	return f, nil
}

// Abort stops the feedback workbooks' goroutine and removes the files it
// staged that Write did not commit. It may be called more than once.
func (f *Feedback) Abort() {
	if f == nil {
		return
	}
	f.cancel()
	<-f.done
	f.st.abort()
}

// DefaultPeriod is the newest month that has an accepted form and is not
// after now's month in Asia/Shanghai; "" when there is none.
func DefaultPeriod(ctx context.Context, db *sql.DB, now time.Time) (string, error) {
	var p sql.NullString
	err := db.QueryRowContext(ctx, queries.SQL("report_default_period"), calendar.Period(now.In(calendar.Shanghai))).Scan(&p)
	if err != nil {
		return "", fmt.Errorf("queries/report_default_period.sql: %w", err)
	}
	return p.String, nil
}

// monthsBack returns the n months ending at period, oldest first.
func monthsBack(period string, n int) []string {
	t, err := calendar.ParsePeriod(period)
	if err != nil {
		return nil
	}
	out := make([]string, n)
	for i := range n {
		out[n-1-i] = calendar.Period(t.AddDate(0, -i, 0))
	}
	return out
}

// docTime is the workbooks' created/modified property: the first day of the
// month after the period, so that it says when the data could be complete and
// does not change from one run to the next.
func docTime(period string) string {
	t, err := calendar.ParsePeriod(period)
	if err != nil {
		return "2000-01-01T00:00:00Z"
	}
	return t.AddDate(0, 1, 0).Format("2006-01-02T15:04:05Z")
}

// stager writes files under temporary names in a staging folder of its
// own and, on commit, makes them durable with one sync(2) for the whole
// batch and renames them into place: a crash or an error never leaves a
// half-written workbook under a real name, and thousands of files cost one
// sync, not one fsync each (which measured 3–8 s per 1,000 feedback
// workbooks here). The staging folder is new (made in root, the output
// folder, on the same file system): ext4 places a new folder's files in a
// block group with free inodes, where creating a file in the feedback
// folder, beside its 90,000 workbooks, searched for one (0.2 s of CPU for
// a night's 450 workbooks against 0.02 s).
type stager struct {
	root  string // where the staging folder is made; "" for each file's own folder
	mu    sync.Mutex
	dir   string   // the staging folder, made by the first write
	dirs  []string // the staging folders to remove: its own and those adopted
	files []staged
}

type staged struct{ tmp, final string }

// stagingPrefix starts the staging folders' names: those listed in the
// output folder that this process did not make (liveStaging) are a killed
// run's.
const stagingPrefix = ".staging-"

var liveStaging sync.Map // staging folders of this process not yet removed

// tmpPattern matches the temporary names that older versions wrote beside
// the workbooks, so that those a killed run left behind are removed by the
// next.
var tmpPattern = regexp.MustCompile(`^\..+\.(xlsx|json)\.[0-9]+\.tmp$`)

func (s *stager) write(path string, data []byte) (err error) {
	s.mu.Lock()
	if s.dir == "" {
		root := cmp.Or(s.root, filepath.Dir(path))
		if s.dir, err = os.MkdirTemp(root, stagingPrefix+"*"); err != nil {
			s.dir = ""
			s.mu.Unlock()
			return err
		}
		// Cleaned, as isStaleStaging joins the names it lists: with
		// --out ./out, MkdirTemp's "./out/.staging-…" was not found live
		// and was removed under the feedback workbooks staged in it.
		s.dir = filepath.Clean(s.dir)
		liveStaging.Store(s.dir, true)
		s.dirs = append(s.dirs, s.dir)
	}
	dir := s.dir
	s.mu.Unlock()
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.files = append(s.files, staged{tmp.Name(), path})
	s.mu.Unlock()
	if _, err = tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	return tmp.Close()
}

// commit syncs every staged file and renames it into place, then syncs
// again so that the renames are durable too, and removes the staging
// folders.
func (s *stager) commit() error {
	if len(s.files) == 0 {
		s.removeDirs()
		return nil
	}
	syscall.Sync()
	for i, f := range s.files {
		if err := os.Rename(f.tmp, f.final); err != nil {
			s.files = s.files[i:]
			s.abort()
			return err
		}
	}
	s.files = nil
	syscall.Sync()
	s.removeDirs()
	return nil
}

// adopt takes over the files other staged, to commit them with its own.
func (s *stager) adopt(other *stager) {
	other.mu.Lock()
	files, dirs := other.files, other.dirs
	other.files, other.dirs, other.dir = nil, nil, ""
	other.mu.Unlock()
	s.mu.Lock()
	s.files = append(s.files, files...)
	s.dirs = append(s.dirs, dirs...)
	s.mu.Unlock()
}

// abort removes every staged file that was not renamed, and the staging
// folders.
func (s *stager) abort() {
	for _, f := range s.files {
		os.Remove(f.tmp)
	}
	s.files = nil
	s.removeDirs()
}

func (s *stager) removeDirs() {
	for _, d := range s.dirs {
		os.RemoveAll(d)
		liveStaging.Delete(d)
	}
	s.dirs, s.dir = nil, ""
}

// isStaleStaging: e, in dir, is a staging folder (stagingPrefix) that no
// stager of this process is using: a killed run's.
func isStaleStaging(dir string, e fs.DirEntry) bool {
	if !e.IsDir() || !strings.HasPrefix(e.Name(), stagingPrefix) {
		return false
	}
	_, live := liveStaging.Load(filepath.Join(dir, e.Name()))
	return !live
}

// isStaleTemp: e is a temporary file; the batch's own are renamed into
// place before it lists a folder again, so one listed is a killed run's.
func isStaleTemp(e fs.DirEntry) bool {
	return !e.IsDir() && strings.HasPrefix(e.Name(), ".") && tmpPattern.MatchString(e.Name())
}

// removeStaleTemps removes the temporary files and staging folders of an
// earlier, killed run.
func removeStaleTemps(dirs ...string) {
	for _, d := range dirs {
		regularFiles(d) // removes them as it lists d
	}
}
