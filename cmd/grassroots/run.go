package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"grassroots/definitions"
	"grassroots/pipeline/calendar"
	"grassroots/pipeline/form"
	"grassroots/pipeline/nightly"
	"grassroots/pipeline/warehouse"
)

var memorySize = regexp.MustCompile(`(?i)^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$`)

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "[--inbox DIR] [--registry FILE] [--db FILE] [--out DIR] [--period YYYY-MM] [--deadline-day 5] [--min-sample 10] [--metrics FILE] [--forms DIR] [--rebuild]")
	// The defaults run the committed sample, so that `make run` needs no flags.
	inboxDir := fs.String("inbox", "fixtures/sample/inbox", "folder of village forms (searched recursively)")
	registryFile := fs.String("registry", "fixtures/sample/registry.csv", "registry CSV (名册)")
	db := fs.String("db", "out/warehouse.duckdb", "DuckDB warehouse file (created if missing)")
	out := fs.String("out", "out", "folder for the summary, township and feedback workbooks")
	period := fs.String("period", "", "month of the summary, YYYY-MM (default: the newest month with an accepted form, not after this month)")
	deadlineDay := fs.Int("deadline-day", calendar.DefaultDeadlineDay, "forms for month M are on time until the end of this day of M+1")
	minSample := fs.Int("min-sample", warehouse.DefaultMinSample, "a rate about requests or meetings whose denominator is at least 1 and below this is flagged small_sample (metric_flags) and left out of anomaly checks")
	workers := fs.Int("workers", 0, "forms read in parallel (0: one per CPU)")
	memoryLimit := fs.String("memory-limit", warehouse.DefaultMemoryLimit, "memory DuckDB may use before it spills to <db>.tmp (e.g. 512MB, 2GB)")
	metricsFile := fs.String("metrics", "", "metric definitions (TOML) changing or replacing the built-in ones (docs/metrics.md, \"Definitions as data\")")
	formsDir := formsFlag(fs)
	rebuild := fs.Bool("rebuild", false, "if the warehouse was written by an older grassroots, keep it aside (<db>.schemaN-<time>.bak) and load the whole inbox into a new one; refused if the inbox lacks a file it read")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: run takes no arguments, got %q", errUsage, fs.Args())
	}
	if *period != "" && !calendar.IsPeriod(*period) {
		return fmt.Errorf("%w: --period %q: want YYYY-MM", errUsage, *period)
	}
	if !memorySize.MatchString(*memoryLimit) {
		return fmt.Errorf("%w: --memory-limit %q: want a size such as 256MB or 2GB", errUsage, *memoryLimit)
	}
	if !calendar.ValidDeadlineDay(*deadlineDay) {
		return fmt.Errorf("%w: --deadline-day %d: want %d to %d", errUsage, *deadlineDay, calendar.FirstDeadlineDay, calendar.LastDeadlineDay)
	}
	if *minSample < 1 {
		return fmt.Errorf("%w: --min-sample %d: want 1 or more", errUsage, *minSample)
	}
	// Before anything else: broken definitions stop the run (exit 2)
	// before the warehouse is touched; nightly.Run tries them in DuckDB.
	var metrics *definitions.Metrics
	if *metricsFile != "" {
		var err error
		if metrics, err = definitions.LoadMetrics(*metricsFile); err != nil {
			return err
		}
	}
	var forms *form.Definitions // nil: the built-in ones, which the tests check
	if *formsDir != "" {
		var err error
		if forms, err = loadForms(*formsDir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(*db), 0o755); err != nil {
		return err
	}
	var kept string
	if *rebuild {
		var err error
		if kept, err = rebuildAside(ctx, e, *db, *inboxDir); err != nil {
			return err
		}
	}
	if *out == "" {
		*out = "." // the workbooks in the current folder (nightly: "" writes none)
	}
	cfg := nightly.Config{
		Inbox: *inboxDir, Registry: *registryFile, DB: *db,
		DeadlineDay: *deadlineDay, MinSample: *minSample, Workers: *workers, MemoryLimit: *memoryLimit, Log: e.log,
		Out: *out, Period: *period, Metrics: metrics, Form: form.Options{Definitions: forms},
	}
	if e.isTerminal {
		cfg.Progress = e.stderr
	}
	s, err := nightly.Run(ctx, cfg)
	if kept != "" {
		fmt.Fprintf(e.stdout, "rebuilt: the warehouse of an older grassroots is kept as %s; this run loaded the inbox into a new one\n", kept)
	}
	if s != nil {
		printSummary(e, s)
	}
	return err
}

func printSummary(e *env, s *nightly.Summary) {
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	fmt.Fprintf(e.stdout, "run %d: %d files (%d ignored, %d unreadable, %d new or changed); %d forms read, %d already loaded\n",
		s.RunID, s.FilesSeen, s.FilesIgnored, s.FilesUnreadable, s.FilesHashed, s.FormsRead, s.FormsReused)
	fmt.Fprintf(e.stdout, "submissions: %d accepted, %d superseded, %d rejected\n", s.Accepted, s.Superseded, s.Rejected)
	fmt.Fprintf(e.stdout, "new rows: %d loaded, %d rejected; %d issues\n", s.RowsLoaded, s.RowsRejected, s.Issues)
	fmt.Fprintf(e.stdout, "restated: %d figures of earlier months (see metric_changes)\n", s.Restated)
	if s.SummaryFile != "" {
		fmt.Fprintf(e.stdout, "summary for %s: %s; %d workbooks written; unchanged: %d township, %d feedback; %d feedback removed\n",
			s.Period, s.SummaryFile, s.Workbooks, s.TownshipsUnchanged, s.FeedbackUnchanged, s.FeedbackRemoved)
	}
	fmt.Fprintf(e.stdout, "time: scan %d ms, read %d ms, metrics %d ms, workbooks %d ms, total %d ms\n",
		ms(s.Scan), ms(s.Read), ms(s.Refresh), ms(s.Reports), ms(s.Total))
}
