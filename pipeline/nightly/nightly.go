// Package nightly is the batch that cron runs every night: it finds the
// inbox's files, reads the new ones in parallel, loads them into the
// warehouse in one transaction, recomputes every metric and writes the
// workbooks (package report). Run is the entry point, the whole night in one
// call; it returns a Summary of counts.
package nightly

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"grassroots/definitions"
	"grassroots/pipeline/calendar"
	"grassroots/pipeline/form"
	"grassroots/pipeline/inbox"
	"grassroots/pipeline/registry"
	"grassroots/pipeline/report"
	"grassroots/pipeline/warehouse"
	"grassroots/queries"
)

// Config is one batch's inputs. The zero value of each optional field means
// the documented default.
type Config struct {
	Inbox, Registry, DB string
	// DeadlineDay: forms for month M are on time until the end of this day of
	// M+1 (0 means calendar.DefaultDeadlineDay).
	DeadlineDay int
	// MinSample: rates about requests or meetings with a denominator from 1
	// to MinSample-1 are flagged small_sample (0 means
	// warehouse.DefaultMinSample).
	MinSample int
	// MemoryLimit caps DuckDB's memory ("" means warehouse.DefaultMemoryLimit).
	MemoryLimit string
	// Workers reading forms in parallel; 0 means one per CPU.
	Workers int
	// Now is the run's clock (nil: time.Now); tests fix it.
	Now func() time.Time
	// Form holds the reader's limits.
	Form form.Options
	// Progress, when not nil, receives a one-line progress display (a
	// terminal); under cron it is nil.
	Progress io.Writer
	// Out is the folder of the workbooks (the summary, township and
	// feedback workbooks), written once the warehouse holds the run. ""
	// writes none: the batch stops at the warehouse.
	Out string
	// Period is the month of the summary, YYYY-MM; "" means the newest month
	// with an accepted form, not after Now's month (report.Options.Period).
	Period string
	Log    *slog.Logger
	// Metrics are the metric definitions; nil means the built-in ones.
	// Others are checked (warehouse.CheckMetrics) before anything is read.
	Metrics *definitions.Metrics
	// afterForm, in tests, runs after each form handed to the warehouse: it
	// injects failures and cancellations mid-load.
	afterForm func(formsRead int) error
	// afterFeedback, in tests, runs once the feedback workbooks began
	// (inside the run, before the figures); its error fails the run.
	afterFeedback func() error
}

// Summary is what a run did, for the run summary line and for tests.
type Summary struct {
	RunID                                    int
	FilesSeen, FilesIgnored, FilesUnreadable int
	FilesHashed                              int // read from disk: new, or changed size or modification time
	FormsRead, FormsReused                   int // read now / content already in the warehouse
	Accepted, Superseded, Rejected           int // status of all submissions after the run
	Restated                                 int // figures of months before the newest accepted one that this run changed (metric_changes)
	RowsLoaded, RowsRejected, Issues         int // of the forms read now
	Scan, Read, Refresh, Reports, Total      time.Duration
	// Set by the report stage (Config.Out).
	Period, SummaryFile                string
	Workbooks                          int // written by this run
	FeedbackUnchanged, FeedbackRemoved int // feedback left as it was / removed as no longer needed
	TownshipsUnchanged                 int // township workbooks whose figures did not change
}

// Run is the nightly batch. It returns an error only when the batch could not
// run (registry unreadable, warehouse locked or damaged, disk full, stopped);
// rejected forms are data, counted in the Summary.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := now()
	s := &Summary{}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	gc := newGCTuning()
	defer gc.set(false)

	// Metric definitions of the analyst's, or form definitions that may add
	// fact columns, are tried on an empty warehouse before anything is read.
	if cfg.Metrics != nil || cfg.Form.Definitions != nil {
		if err := warehouse.CheckMetrics(ctx, cfg.Metrics, cfg.Form.Definitions); err != nil {
			return nil, err
		}
	}
	// The inbox is listed while the registry is read and the run begins:
	// the listing waits on the file system (120,000 files: 0.4 s), Begin
	// on DuckDB (opening the warehouse and reading the files it knows:
	// 0.2 s). A run that fails before it reads the listing leaves the
	// goroutine to finish into the buffered channel.
	type scanned struct {
		files []inbox.File
		took  time.Duration
		err   error
	}
	scan := make(chan scanned, 1)
	go func() {
		t := time.Now()
		files, err := inbox.Scan(cfg.Inbox, calendar.Shanghai, log)
		scan <- scanned{files, time.Since(t), err}
	}()
	reg, err := registry.Load(cfg.Registry)
	if err != nil {
		return nil, err
	}
	w, err := warehouse.OpenWith(ctx, cfg.DB, log, warehouse.Options{MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		return nil, err
	}
	defer w.Close()

	run, err := w.Begin(ctx, cfg.Inbox, start)
	sc := <-scan
	if err != nil {
		return nil, err
	}
	defer run.Rollback()
	s.RunID = run.ID
	if sc.err != nil {
		return nil, sc.err
	}
	files := sc.files
	s.Scan = sc.took
	s.FilesSeen = len(files)
	log.Info("inbox scanned", "inbox", cfg.Inbox, "files", len(files), "elapsed_ms", s.Scan.Milliseconds())
	var folder *report.FeedbackFolder
	if cfg.Out != "" {
		// Read while the forms load and DuckDB refreshes, which leave a
		// core idle half the time; the report stage keeps both busy.
		folder = report.ReadFeedbackFolder(reportOptions(cfg, files, log))
		defer folder.Close()
	}

	t := time.Now()
	if err := load(ctx, cfg, run, files, s, gc, log); err != nil {
		return nil, err
	}
	s.Read = time.Since(t)
	gc.set(s.FilesHashed < heavyRunForms)
	log.Info("forms read", "read", s.FormsRead, "reused", s.FormsReused, "rows", s.RowsLoaded, "elapsed_ms", s.Read.Milliseconds())

	t = time.Now()
	settings := warehouse.Settings{DeadlineDay: cfg.DeadlineDay, MinSample: cfg.MinSample, Metrics: cfg.Metrics, Forms: cfg.Form.Definitions}
	var feedback *report.Feedback
	if cfg.Out != "" {
		// The feedback workbooks need the forms' statuses and issues, not
		// the figures: they are read inside the run and built while DuckDB
		// computes the figures, which keeps one and a half cores busy. Write
		// commits them with the summaries once the run has committed; a
		// failed run discards them.
		settings.AfterIssues = func(ctx context.Context, conn *sql.Conn) error {
			if run.Scope().Full {
				gc.set(false)
				// Every figure recomputed (a first load, a new registry):
				// the feedback of every form would be built beside DuckDB's
				// largest queries, and their memory would peak together
				// (a 12-month load of 10,000 villages: 4.2 GiB against
				// 3.1 GiB). It waits for the run's end instead.
				return nil
			}
			o := reportOptions(cfg, files, log)
			o.Now, o.Folder = now(), folder
			fb, err := report.BeginFeedback(ctx, conn, o)
			if err != nil {
				// An output folder that cannot be written, for one, must
				// not cost the run: the report stage tries again once the
				// run has committed, and says what to do.
				log.Warn("feedback workbooks not begun inside the run; they are written after it", "err", err)
				return nil
			}
			feedback = fb
			if cfg.afterFeedback != nil {
				return cfg.afterFeedback()
			}
			return nil
		}
		defer func() { feedback.Abort() }()
	}
	if err := run.Refresh(ctx, reg, settings); err != nil {
		return nil, err
	}
	if err := run.Commit(ctx, now()); err != nil {
		return nil, err
	}
	s.Refresh = time.Since(t)
	log.Info("metrics recomputed", "run", s.RunID, "elapsed_ms", s.Refresh.Milliseconds())
	if err := countStatuses(ctx, w, s); err != nil {
		return nil, err
	}
	if s.Restated, err = w.Restated(ctx, s.RunID); err != nil {
		return nil, err
	}
	if cfg.Out != "" {
		t = time.Now()
		if err := writeReports(ctx, cfg, w, files, folder, feedback, now(), s, log); err != nil {
			return s, err
		}
		s.Reports = time.Since(t)
	}
	s.Total = now().Sub(start)
	return s, nil
}

// gcTuning is how often the Go heap is collected during a run. A night
// (a few hundred forms read, part of the figures recomputed) holds the
// inbox's listing, the files the warehouse knows, the feedback folder's
// manifest and the summary's data: a heap bounded by the warehouse, built
// up from nothing, nearly all of it live, which Go's default (collect when
// the heap has doubled: GOGC=100) marks again at every doubling. Such a
// run is collected when the heap has tripled (GOGC=200): in one set of
// 12-month nights that saved 0.13 s of 2.8 s and 0.2 s of CPU, for 60-150
// MB more (within the noise in another set). Forms are read at the
// default, whatever their number: reading is where a run's garbage is
// (each form's bytes, a hostile file's bounded reads), and a night reads
// few. A run that reads many forms stays at the default from then on, and
// one that recomputes every figure goes back to it before its feedback
// workbooks are built: their peak is what --memory-limit and the full
// load's 1 GiB goal are about. A GOGC set in the environment is the
// operator's, left alone.
type gcTuning struct {
	def   int  // the setting light replaced
	light bool // GOGC=200 now
	fixed bool // GOGC set in the environment
}

// heavyRunForms is the number of forms to read from which a run is not a
// night (a city's 1% is 100 forms; a first load, thousands).
const heavyRunForms = 1000

func newGCTuning() *gcTuning {
	g := &gcTuning{fixed: os.Getenv("GOGC") != ""}
	g.set(true)
	return g
}

// set makes the collection light (GOGC=200) or Go's default again.
func (g *gcTuning) set(light bool) {
	if g.fixed || g.light == light {
		return
	}
	if light {
		g.def = debug.SetGCPercent(200)
	} else {
		debug.SetGCPercent(g.def)
	}
	g.light = light
}

// reportOptions are the report stage's options for cfg and the inbox as
// listed.
func reportOptions(cfg Config, files []inbox.File, log *slog.Logger) report.Options {
	return report.Options{
		OutDir: cfg.Out, Period: cfg.Period, InboxDir: cfg.Inbox, Inbox: files,
		Limits: cfg.Form.Limits, Log: log,
	}
}

// writeReports is the batch's last stage: the workbooks for officials and
// villages, from the committed warehouse. Its error fails the batch but
// leaves the warehouse holding the run.
func writeReports(ctx context.Context, cfg Config, w *warehouse.Warehouse, files []inbox.File, folder *report.FeedbackFolder, feedback *report.Feedback, now time.Time, s *Summary, log *slog.Logger) error {
	o := reportOptions(cfg, files, log)
	o.Now, o.Folder, o.Feedback = now, folder, feedback
	// DuckDB's checkpoint is CPU and disk the workbooks leave free; it
	// runs once they have read the warehouse, so that a checkpoint that
	// fails (a full disk) cannot fail their queries. The run is committed
	// by then: a failed checkpoint leaves the changes in DuckDB's log,
	// which the next run reads. Checkpointed, the database is closed there
	// too (Run's deferred Close then only releases the lock); after a
	// failed checkpoint it stays open, and Close tries again.
	var checkpoint chan error
	o.AfterReads = func() {
		checkpoint = make(chan error, 1)
		go func() {
			err := w.Checkpoint(ctx)
			if err == nil {
				err = w.CloseDB()
			}
			checkpoint <- err
		}()
	}
	res, err := report.Write(ctx, w.DB(), o)
	if checkpoint != nil {
		if err := <-checkpoint; err != nil {
			log.Warn("warehouse checkpoint or close failed; the next run replays DuckDB's log", "err", err)
		}
	}
	if err != nil {
		// The warehouse already holds this run: the next run reads no form
		// again and only writes the workbooks.
		return fmt.Errorf("writing workbooks to %s: %w (the warehouse holds this run; make --out a writable folder with free space and run again)", cfg.Out, err)
	}
	if res.Summary == "" {
		log.Warn("no month to summarize: no accepted form yet")
	}
	s.Workbooks = len(res.Townships) + len(res.Feedback) + len(res.Annotated)
	s.FeedbackUnchanged, s.FeedbackRemoved = len(res.Unchanged), len(res.Removed)
	s.TownshipsUnchanged = len(res.TownshipsUnchanged)
	if res.Summary != "" {
		s.Workbooks++
	}
	s.SummaryFile, s.Period = res.Summary, res.Period
	return nil
}

// result is one file after a worker looked at it.
type result struct {
	file inbox.File
	sha  string
	form *form.Form // nil when the content was already loaded
	err  error      // the file could not be read (vanished, permission)
}

// load hands every file to the warehouse: unchanged ones by their recorded
// hash, the others hashed and, when their content is new, read by a pool of
// workers. One goroutine (this one) talks to the warehouse.
func load(ctx context.Context, cfg Config, run *warehouse.Run, files []inbox.File, s *Summary, gc *gcTuning, log *slog.Logger) error {
	var todo []inbox.File
	for _, f := range files {
		if f.Ignored == "" && run.Reused(f.Path, f.Size, f.MTime, f.ReceivedAt) {
			s.FormsReused++
			continue
		}
		sha, unchanged := "", false
		if f.Ignored == "" {
			sha, unchanged = run.Unchanged(f.Path, f.Size, f.MTime)
			if !unchanged || !run.Loaded(sha) {
				todo = append(todo, f)
				continue
			}
			s.FormsReused++
		} else {
			s.FilesIgnored++
			log.Info("file ignored", "file", f.Path, "reason", f.Ignored)
		}
		if err := run.AddFile(ctx, warehouseFile(f, sha)); err != nil {
			return err
		}
	}

	s.FilesHashed = len(todo)
	if len(todo) > 0 {
		gc.set(false) // until the forms are read (gcTuning)
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan inbox.File)
	results := make(chan result, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for f := range jobs {
				r := readOne(f, run.Loaded, cfg.Form)
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, f := range todo {
			select {
			case jobs <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	progress := newProgress(cfg.Progress, len(todo))
	defer progress.done()
	n := 0
	for r := range results {
		if err := ctx.Err(); err != nil {
			return err
		}
		n++
		progress.update(n)
		if r.err != nil {
			s.FilesUnreadable++
			log.Warn("file unreadable, skipped until next run", "file", r.file.Path, "err", r.err)
			continue
		}
		if r.form == nil {
			s.FormsReused++
		} else {
			s.FormsRead++
			s.RowsLoaded += len(r.form.Orgs) + len(r.form.Meetings) + len(r.form.Requests)
			s.RowsRejected += r.form.Rows.Rejected
			s.Issues += len(r.form.Issues)
			if err := run.AddForm(ctx, r.sha, r.form); err != nil {
				return err
			}
			if cfg.afterForm != nil {
				if err := cfg.afterForm(s.FormsRead); err != nil {
					return err
				}
			}
		}
		if err := run.AddFile(ctx, warehouseFile(r.file, r.sha)); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// readOne hashes a file and, unless its content is already loaded, reads it
// as a form.
func readOne(f inbox.File, loaded func(string) bool, opt form.Options) result {
	r := result{file: f}
	fh, err := os.Open(f.Abs)
	if err != nil {
		r.err = err
		return r
	}
	defer fh.Close()
	// A file over the reader's size limit is hashed as a stream and never
	// held in memory; the reader rejects it on its size alone (too_large)
	// without reading it. Real forms are under 2 MB.
	if f.Size > opt.Limits.WithDefaults().MaxFileBytes {
		h := sha256.New()
		if _, err := io.Copy(h, fh); err != nil {
			r.err = err
			return r
		}
		r.sha = hex.EncodeToString(h.Sum(nil))
		if !loaded(r.sha) {
			r.form = form.Read(fh, f.Size, f.Path, opt)
		}
		return r
	}
	b, err := io.ReadAll(fh)
	if err != nil {
		r.err = err
		return r
	}
	sum := sha256.Sum256(b)
	r.sha = hex.EncodeToString(sum[:])
	if loaded(r.sha) {
		return r
	}
	r.form = form.Read(bytes.NewReader(b), int64(len(b)), f.Path, opt)
	return r
}

func warehouseFile(f inbox.File, sha string) warehouse.File {
	return warehouse.File{Path: f.Path, SHA256: sha, Size: f.Size, MTime: f.MTime, ReceivedAt: f.ReceivedAt, Ignored: f.Ignored}
}

func countStatuses(ctx context.Context, w *warehouse.Warehouse, s *Summary) error {
	return w.DB().QueryRowContext(ctx, queries.SQL("submission_counts")).Scan(&s.Accepted, &s.Superseded, &s.Rejected)
}
