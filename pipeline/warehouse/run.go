package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"grassroots/definitions"
	"grassroots/pipeline/calendar"
	"grassroots/pipeline/form"
	"grassroots/pipeline/internal/arrowcol"
	"grassroots/pipeline/registry"
	"grassroots/queries"
)

// flushRows is how many rows a table's Arrow batch holds before it goes to
// DuckDB: large enough that the per-insert cost vanishes, small enough that
// memory stays bounded whatever the inbox's size.
const flushRows = 64 * 1024

// runRowsForms is how many forms a run reads at most for run_org_rows to
// keep a copy of their organization rows (queries/run_org_rows.sql): a
// night's few hundred, not a first load's 8 million rows. A variable for
// TestIncrementalEqualsFresh.
var runRowsForms = 5000

// File is one file found under the inbox.
type File struct {
	Path       string // relative to the inbox, with '/'
	SHA256     string // hex
	Size       int64
	MTime      time.Time
	ReceivedAt time.Time
	Ignored    string // why the file is not a form (an Office lock file …), "" for a form
}

// Run is one batch's transaction on a pinned connection. Its methods are not
// safe for concurrent use: readers run in parallel and hand forms to one
// goroutine that calls AddForm.
type Run struct {
	ID int

	w     *Warehouse
	conn  *sql.Conn
	ar    *duckdb.Arrow
	known map[string]bool      // contents in the warehouse when the run began: never written after Begin, so safe to read from many goroutines
	added map[string]bool      // contents added by this run
	last  map[string]fileState // per path, the content seen last
	done  bool

	files, forms, issues, orgs, meetings, requests *batch
	answers, enterprises, visits                   *batch
	filesSeen, formsRead                           int

	generated map[string][]statement // refresh steps built from the metric definitions
	metrics   *definitions.Metrics   // those definitions, for errors
	scope     Scope                  // what the refresh recomputes, known once refresh_scope ran
}

// Scope is how much of metric_values a refresh recomputed
// (refresh_scope.sql): every figure, or those of the (month, unit)s whose
// inputs changed.
type Scope struct {
	Full       bool // every figure: the first run, or the registry, deadline day or definitions changed
	UnitMonths int  // the (month, unit)s recomputed
	Of         int  // the (month, unit)s of metric_values
	// RequestVillages are the villages whose effective requests were
	// computed again (their accepted forms changed), RequestsRewritten
	// those of them whose requests came out changed and were written again.
	// RequestSwaps are the villages whose changed forms all replaced one of
	// the same month with the same request log, whose requests were not
	// computed again.
	RequestVillages, RequestsRewritten, RequestSwaps int
}

type fileState struct {
	sha             string
	size            int64
	mtime, received time.Time
	ignored         string
	run             int // the run that saw it last
}

// Begin starts a run: one transaction, committed by Commit.
func (w *Warehouse) Begin(ctx context.Context, inbox string, started time.Time) (*Run, error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	r := &Run{w: w, conn: conn, known: map[string]bool{}, added: map[string]bool{}, last: map[string]fileState{}}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		conn.Close()
		return nil, err
	}
	if err := r.begin(ctx, inbox, started); err != nil {
		r.Rollback()
		return nil, w.runError(err)
	}
	return r, nil
}

func (r *Run) begin(ctx context.Context, inbox string, started time.Time) error {
	var err error
	if r.ar, err = arrowOn(r.conn); err != nil {
		return err
	}
	if err := r.conn.QueryRowContext(ctx, queries.SQL("run_start"), started, inbox).Scan(&r.ID); err != nil {
		return fmt.Errorf("starting run: %w", err)
	}
	// Built in Go, like those of Refresh: SET VARIABLE takes no parameter.
	if _, err := r.conn.ExecContext(ctx, "SET VARIABLE run_id = "+strconv.Itoa(r.ID)); err != nil {
		return err
	}
	if _, err := r.conn.ExecContext(ctx, queries.SQL("incoming_files")); err != nil {
		return err
	}
	if _, err := r.conn.ExecContext(ctx, queries.SQL("run_org_rows")); err != nil {
		return err
	}
	// The maps sized at once: grown from empty, rehashing 120,000 entries
	// twice over took 80 ms of the CPU that the inbox listing beside
	// needs.
	var forms, files int
	if err := r.conn.QueryRowContext(ctx, queries.SQL("known_counts")).Scan(&forms, &files); err != nil {
		return err
	}
	r.known, r.last = make(map[string]bool, forms), make(map[string]fileState, files)
	// Read as Arrow columns: 120,000 files of a year came one value at a
	// time through database/sql in a fifth of a second.
	err = r.arrowRows(ctx, "known_forms", func(rec arrow.RecordBatch) error {
		shas, err := arrowcol.Strings(rec, 0)
		if err != nil {
			return err
		}
		for _, sha := range shas {
			r.known[sha] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = r.arrowRows(ctx, "known_files", func(rec arrow.RecordBatch) error {
		paths, err := arrowcol.Strings(rec, 0)
		if err != nil {
			return err
		}
		shas, err := arrowcol.Strings(rec, 1)
		if err != nil {
			return err
		}
		size, err := arrowcol.Int(rec, 2)
		if err != nil {
			return err
		}
		mtime, err := arrowcol.Time(rec, 3)
		if err != nil {
			return err
		}
		received, err := arrowcol.Time(rec, 4)
		if err != nil {
			return err
		}
		ignored, err := arrowcol.String(rec, 5)
		if err != nil {
			return err
		}
		run, err := arrowcol.Int(rec, 6)
		if err != nil {
			return err
		}
		for i, path := range paths {
			if prev, ok := r.last[path]; ok && prev.run > run(i) {
				continue // an older content of the path
			}
			st := fileState{sha: shas[i], size: int64(size(i)), mtime: mtime(i).Time, received: received(i).Time, run: run(i)}
			if ig := ignored(i); ig != "" { // a few files: cloned one by one
				st.ignored = strings.Clone(ig)
			}
			r.last[path] = st
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.newBatches()
	return nil
}

func (r *Run) newBatches() {
	r.files = filesTable.batch()
	r.forms = formsTable.batch()
	r.answers = answersTable.batch()
	r.enterprises = enterprisesTable.batch()
	r.visits = visitsTable.batch()
	r.issues = issuesTable.batch()
	r.orgs = orgsTable.batch()
	// run_org_rows holds every organization row this run loads while
	// orgs.also names it (at most runRowsForms forms read).
	r.orgs.also = "run_org_rows"
	r.meetings = meetingsTable.batch()
	r.requests = requestsTable.batch()
}

// Unchanged returns the content hash recorded for path when the file's size
// and modification time are those seen last, so that it need not be hashed.
func (r *Run) Unchanged(path string, size int64, mtime time.Time) (sha string, ok bool) {
	st, ok := r.last[path]
	if !ok || !st.sameStat(size, mtime) {
		return "", false
	}
	return st.sha, true
}

// sameStat: size and mtime are those recorded. The warehouse keeps
// microseconds; file systems give nanoseconds.
func (st fileState) sameStat(size int64, mtime time.Time) bool {
	return st.size == size && st.mtime.Equal(mtime.Truncate(time.Microsecond))
}

// Loaded reports whether a content was read by an earlier run: such a file is
// recorded with AddFile only. Safe for concurrent use.
func (r *Run) Loaded(sha string) bool { return r.known[sha] }

// AddFile records a file found under the inbox in this run. One as it was
// last seen (sameAsLast) is only counted: its row would not change.
func (r *Run) AddFile(ctx context.Context, f File) error {
	r.filesSeen++
	if r.sameAsLast(&f) {
		return nil // files_update.sql would find nothing to change
	}
	b := r.files
	filesTable.add(b, &f)
	if b.rows >= flushRows {
		return r.w.runError(b.flush(ctx, r.conn, r.ar, "arrow_incoming"))
	}
	return nil
}

// Reused records a file that needs nothing from this run, and reports
// whether it is one: a form as its path was last seen (same size,
// modification and receipt time, not ignored) whose content is loaded.
// Most of a night's 100,000 files are such files; this looks each up once,
// where Unchanged, Loaded and AddFile took three lookups and a copy of the
// File (60 ms of a 12-month night's critical path).
func (r *Run) Reused(path string, size int64, mtime, received time.Time) bool {
	st, ok := r.last[path]
	if !ok || !r.known[st.sha] || !st.sameRow(st.sha, "", size, mtime, received) {
		return false
	}
	r.filesSeen++
	return true
}

// sameAsLast: f is the content its path had last, with the same size,
// modification time, receipt time and reason to be ignored, as the
// warehouse keeps them (in microseconds). Such a file's row would not
// change, and most of a night's 100,000 files are such files.
func (r *Run) sameAsLast(f *File) bool {
	st, ok := r.last[f.Path]
	return ok && st.sameRow(f.SHA256, f.Ignored, f.Size, f.MTime, f.ReceivedAt)
}

// sameRow: a file of that content, reason to be ignored, size, modification
// and receipt time has st's row, as the warehouse keeps it (microseconds).
func (st fileState) sameRow(sha, ignored string, size int64, mtime, received time.Time) bool {
	return st.sha == sha && st.ignored == ignored && st.sameStat(size, mtime) &&
		st.received.Equal(received.Truncate(time.Microsecond))
}

// AddForm stores a read form under its content hash. Rejected forms keep their
// cover and issues (for the feedback and the submissions view) but no rows.
func (r *Run) AddForm(ctx context.Context, sha string, f *form.Form) error {
	if r.known[sha] || r.added[sha] {
		return nil // a copy of a content already stored
	}
	r.added[sha] = true
	r.formsRead++
	if r.formsRead > runRowsForms {
		r.orgs.also = ""
	}
	formsTable.add(r.forms, &formRow{sha: sha, f: f, run: r.ID})
	addAll(&issuesTable, r.issues, sha, f.Issues)
	if !f.Rejected {
		r.addRows(sha, f)
	}
	for _, b := range []*batch{r.forms, r.issues, r.orgs, r.meetings, r.requests, r.answers, r.enterprises, r.visits} {
		if b.rows >= flushRows {
			if err := b.flush(ctx, r.conn, r.ar, "arrow_"+b.table); err != nil {
				return r.w.runError(err)
			}
		}
	}
	return nil
}

func (r *Run) addRows(sha string, f *form.Form) {
	for i := range f.Cover.Answers {
		// Not asked (an older version's cover): no row, which the fact
		// source reads as <key>_asked NULL, in neither side of a rate. Most
		// forms are of older versions: this keeps form_answers to the forms
		// that were asked.
		if a := &f.Cover.Answers[i]; a.Asked {
			answersTable.add(r.answers, &of[form.Answer]{sha: sha, seq: i, v: a})
		}
	}
	addAll(&enterprisesTable, r.enterprises, sha, f.Enterprises)
	addAll(&visitsTable, r.visits, sha, f.Visits)
	addAll(&orgsTable, r.orgs, sha, f.Orgs)
	addAll(&meetingsTable, r.meetings, sha, f.Meetings)
	addAll(&requestsTable, r.requests, sha, f.Requests)
}

// Settings are the knobs of the metrics that are not in the data.
type Settings struct {
	// DeadlineDay is the day of month M+1 by whose end a form for M is on
	// time (docs/form.md); 0 means 5.
	DeadlineDay int
	// MinSample: a rate about requests or meetings whose denominator is at
	// least 1 and below MinSample is flagged small_sample (metric_flags) and
	// left out of anomaly checks; 0 means DefaultMinSample.
	MinSample int
	// Metrics are the metric definitions; nil means the built-in ones
	// (definitions.DefaultMetrics). Others should have passed CheckMetrics.
	Metrics *definitions.Metrics
	// Forms are the form definitions the forms were read with: their
	// answers (form_answers) are columns of the fact source cover. nil
	// means the built-in ones (form.Default).
	Forms *form.Definitions
	// AfterIssues, when set, is called by Refresh once the forms' statuses
	// and issues and the feedback buckets are final (issueSteps), before the
	// figures are computed, with the run's connection inside its
	// transaction: what it reads there is what the run will commit. It must
	// be done with the connection when it returns. The batch reads the
	// feedback workbooks' data there, and writes them while DuckDB computes
	// the figures, which leaves a core idle half the time. Its error fails
	// the refresh.
	AfterIssues func(ctx context.Context, conn *sql.Conn) error
}

// DefaultMinSample is Settings.MinSample's default.
const DefaultMinSample = 10

// prevSteps keep aside what the previous run left (registry, unit tree,
// submission statuses), before this run replaces them, so that
// refresh_scope can tell what to recompute and refresh_metric_changes which
// figures changed and why. The figures themselves are kept aside later
// (prev_metric_values), once the scope is known.
var prevSteps = []string{"prev_run", "prev_units", "prev_unit_tree", "prev_today", "prev_derived_issues"}

// partialSteps are the steps that a refresh which recomputes only some
// figures (refresh_scope.sql) runs in place of others.
var partialSteps = map[string]string{"prev_metric_values": "prev_metric_values_groups"}

// refreshSteps recompute, in order, everything derived from the loaded forms,
// the registry and the receipt times. Each is one file of queries/, but for
// facts, metric_catalog and metrics: statements built from the metric
// definitions (generatedSteps, metrics.go).
var refreshSteps = slices.Concat(issueSteps, figureSteps)

// issueSteps are refreshSteps' first part: the forms' statuses, requests,
// reporting statuses and issues, and the feedback buckets, which the
// feedback workbooks read (Settings.AfterIssues) while figureSteps run.
// The views are here for refresh_issue_digests.sql, which reads issues.
var issueSteps = []string{
	"files_update", "files_insert",
	"refresh_unit_tree", "refresh_submission_status",
	"refresh_requests", "refresh_requests_delete", "refresh_requests_insert",
	"refresh_request_date_issues_delete", "refresh_request_date_issues_insert", "refresh_requests_basis",
	"refresh_request_months",
	"refresh_metric_periods", "refresh_scope", "refresh_meetings", "refresh_reporting_status", "refresh_derived_issues",
	"views", "refresh_issue_digests", "refresh_feedback_buckets",
}

// figureSteps are refreshSteps' second part: the figures, their changes and
// their flags. None of them writes what issueSteps wrote.
var figureSteps = []string{
	"facts", "metric_catalog", "metric_facts", "metrics", "refresh_request_days",
	"prev_metric_values", "rollup_metric_values", "rollup_metric_values_current",
	"refresh_changed_groups", "refresh_metric_changes",
	"refresh_flag_scope", "refresh_metric_flags_delete", "refresh_metric_flags_insert",
	"drop_prev_metric_values",
}

// Refresh flushes what was added, replaces the registry and brings every
// derived table and view up to date with the loaded forms, the registry, the
// receipt times and the settings. Most of it is recomputed whole, since the
// registry or a receipt time may change without any form changing; the
// larger tables are refreshed in place instead: requests_effective and
// request_date_issues for the villages whose accepted forms changed
// (refresh_requests*); metric_values and metric_values_current for the
// (month, unit)s whose inputs changed, or all of them when the registry, the
// deadline day or the definitions did (refresh_scope); metric_flags for the
// units whose figures or level changed, or all of them when min_sample or
// the flags' definitions did (refresh_flag_scope); files is updated and
// extended with this run's files. TestIncrementalEqualsFresh and
// TestFlagsIncrementalEqualsFresh check that they come to the same as a
// fresh load.
// It first keeps aside what the previous run left (prevSteps), so that
// metric_changes can record what this run changed, and records the settings
// with the run. An error is returned as runError gives it (ErrOutOfMemory,
// ErrDiskFull), and the run must then be rolled back.
func (r *Run) Refresh(ctx context.Context, reg *registry.Registry, s Settings) error {
	return r.w.runError(r.refresh(ctx, reg, s))
}

// Scope is what the refresh recomputed, once Refresh returned.
func (r *Run) Scope() Scope { return r.scope }

func (r *Run) refresh(ctx context.Context, reg *registry.Registry, s Settings) error {
	for _, b := range []*batch{r.files, r.forms, r.issues, r.orgs, r.meetings, r.requests, r.answers, r.enterprises, r.visits} {
		if err := b.flush(ctx, r.conn, r.ar, "arrow_"+b.table); err != nil {
			return err
		}
	}
	if err := r.prepare(ctx, reg, s); err != nil {
		return err
	}
	if err := r.steps(ctx, issueSteps); err != nil {
		return err
	}
	if s.AfterIssues != nil {
		if err := s.AfterIssues(ctx, r.conn); err != nil {
			return err
		}
	}
	return r.steps(ctx, figureSteps)
}

// prepare is what every refresh (and a combine) does before its steps:
// keep aside what the previous run left (prevSteps), load the registry,
// record the settings and the definitions with the run, and set the
// settings the SQL reads.
func (r *Run) prepare(ctx context.Context, reg *registry.Registry, s Settings) error {
	day, err := calendar.DeadlineDay(s.DeadlineDay)
	if err != nil {
		return err
	}
	minSample := s.MinSample
	if minSample == 0 {
		minSample = DefaultMinSample
	}
	if minSample < 1 {
		return fmt.Errorf("min sample %d: want 1 or more", minSample)
	}
	if err := r.steps(ctx, prevSteps); err != nil {
		return err
	}
	// Once, on a warehouse of an earlier grassroots: the forms' request log
	// digests and earliest requests (refresh_requests.sql,
	// refresh_scope.sql), from their rows.
	var filled bool
	if err := r.conn.QueryRowContext(ctx, queries.SQL("forms_requests_filled")).Scan(&filled); err != nil {
		return fmt.Errorf("queries/forms_requests_filled.sql: %w", err)
	}
	if !filled {
		if err := r.steps(ctx, []string{"fill_forms_requests"}); err != nil {
			return err
		}
	}
	if err := r.loadRegistry(ctx, reg); err != nil {
		return err
	}
	if err := r.recordSettings(ctx, day, minSample, s.Metrics, s.Forms); err != nil {
		return err
	}
	// SQL built in Go (with flush's INSERT in arrow.go): DuckDB's SET
	// VARIABLE takes no parameter, and the values are integers checked above.
	if _, err := r.conn.ExecContext(ctx, "SET VARIABLE deadline_day = "+strconv.Itoa(day)); err != nil {
		return err
	}
	if _, err := r.conn.ExecContext(ctx, "SET VARIABLE min_sample = "+strconv.Itoa(minSample)); err != nil {
		return err
	}
	_, err = r.conn.ExecContext(ctx, "SET VARIABLE run_org_rows_complete = "+strconv.FormatBool(r.orgs.also != ""))
	return err
}

// steps runs queries/<step>.sql for each step, in order, or the statements
// generated for it (r.generated), logging each one's time at debug level.
func (r *Run) steps(ctx context.Context, steps []string) error {
	for _, step := range steps {
		if gen, ok := r.generated[step]; ok {
			if err := r.generatedStep(ctx, gen); err != nil {
				return err
			}
			continue
		}
		if alt, ok := partialSteps[step]; ok && !r.scope.Full {
			step = alt
		}
		start := time.Now()
		if _, err := r.conn.ExecContext(ctx, queries.SQL(step)); err != nil {
			return fmt.Errorf("queries/%s.sql: %w", step, err)
		}
		r.w.log.Debug("refreshed", "step", step, "elapsed_ms", time.Since(start).Milliseconds())
		if step == "refresh_scope" {
			s := &r.scope
			if err := r.conn.QueryRowContext(ctx, queries.SQL("refresh_scope_counts")).Scan(&s.Full, &s.UnitMonths, &s.Of, &s.RequestVillages, &s.RequestsRewritten, &s.RequestSwaps); err != nil {
				return fmt.Errorf("queries/refresh_scope_counts.sql: %w", err)
			}
			r.w.log.Info("recomputing figures", "full", s.Full, "unit_months", s.UnitMonths, "of", s.Of,
				"request_villages", s.RequestVillages, "requests_rewritten", s.RequestsRewritten, "request_swaps", s.RequestSwaps)
			if err := r.inlineFactUnits(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// inlineFactUnits defines in_fact_units (refresh_scope.sql) again with the
// units of the variable fact_units written out as an IN list of constants.
// DuckDB tests a list value (list_contains) against each row one element
// after the other: 120 units for each of submission_status's 120,000 rows,
// in each fact source's scan (10 ms a scan). An IN list of constants it
// answers with a hash join, and the scan skips the row groups whose zone
// maps hold none of the units (3 ms). Every unit (the variable NULL) keeps
// the macro as refresh_scope.sql made it.
func (r *Run) inlineFactUnits(ctx context.Context) error {
	var list sql.NullString
	if err := r.conn.QueryRowContext(ctx, queries.SQL("fact_units_in")).Scan(&list); err != nil {
		return fmt.Errorf("queries/fact_units_in.sql: %w", err)
	}
	if !list.Valid {
		return nil
	}
	test := "false" // no unit
	if list.String != "" {
		test = "u IN (" + list.String + ")"
	}
	if _, err := r.conn.ExecContext(ctx, "CREATE OR REPLACE TEMP MACRO in_fact_units(u) AS "+test); err != nil {
		return fmt.Errorf("in_fact_units as an IN list: %w", err)
	}
	return nil
}

func (r *Run) loadRegistry(ctx context.Context, reg *registry.Registry) error {
	if _, err := r.conn.ExecContext(ctx, queries.SQL("stage_units")); err != nil {
		return err
	}
	b := newBatch("unit_rows_in", col("code", tString), col("name", tString), col("level", tString), col("parent_code", tString),
		col("valid_from", tString), col("valid_to", tString), col("successor_code", tString))
	for _, u := range reg.Units() {
		b.str(0, u.Code)
		b.str(1, u.Name)
		b.str(2, string(u.Level))
		b.optStr(3, u.ParentCode)
		b.optStr(4, u.ValidFrom)
		b.optStr(5, u.ValidTo)
		b.optStr(6, u.SuccessorCode)
		b.endRow()
	}
	if err := b.flush(ctx, r.conn, r.ar, "arrow_unit_rows_in"); err != nil {
		return err
	}
	_, err := r.conn.ExecContext(ctx, queries.SQL("load_units"))
	return err
}

// Commit makes the run visible. After Commit (or Rollback) the Run is done.
func (r *Run) Commit(ctx context.Context, finished time.Time) error {
	if _, err := r.conn.ExecContext(ctx, queries.SQL("run_finish"), r.ID, finished, r.filesSeen, r.formsRead); err != nil {
		r.Rollback()
		return r.w.runError(err)
	}
	start := time.Now()
	_, err := r.conn.ExecContext(ctx, "COMMIT")
	r.w.log.Debug("refreshed", "step", "commit", "elapsed_ms", time.Since(start).Milliseconds())
	if err != nil {
		r.Rollback()
		if err := r.w.runError(err); errors.Is(err, ErrDiskFull) || errors.Is(err, ErrOutOfMemory) {
			return fmt.Errorf("commit: %w", err)
		}
		return fmt.Errorf("commit (the warehouse is as before this run): %w", err)
	}
	r.done = true
	r.conn.Close()
	return nil
}

// Rollback abandons the run; the warehouse stays as it was. Safe to call
// after Commit (it does nothing then).
func (r *Run) Rollback() {
	if r.done {
		return
	}
	r.done = true
	// A fresh context: the run's own may be the one that was cancelled.
	r.conn.ExecContext(context.Background(), "ROLLBACK")
	r.conn.Close()
}

// Restated is how many figures of months before the newest month with an
// accepted form run runID changed, of those that existed before: the
// restatements among its metric_changes (docs/metrics.md#restatements).
func (w *Warehouse) Restated(ctx context.Context, runID int) (int, error) {
	var n int
	err := w.db.QueryRowContext(ctx, queries.SQL("run_restated"), runID).Scan(&n)
	return n, err
}
