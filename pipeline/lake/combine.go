package lake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"grassroots/definitions"
	"grassroots/pipeline/registry"
	"grassroots/pipeline/report"
	"grassroots/pipeline/warehouse"
	"grassroots/queries"
)

var (
	// ErrOverlap: two lakes hold the same unit for the same month.
	ErrOverlap = errors.New("lakes overlap")
	// ErrUnknownUnits: a lake holds units that the registry does not have as
	// villages or communities.
	ErrUnknownUnits = errors.New("units missing from the registry")
)

// DefaultCombineMemory is combine's DuckDB memory limit: a province is
// larger than the city a nightly run loads. Measured: with the warehouse's
// 256MB, refresh_metric_flags_insert.sql runs out of memory on 14 cities ×
// 1,000 units × 12 months (bench/lake_test.go).
const DefaultCombineMemory = "2GB"

// combineTables are the lake tables a combine reads: the facts, the
// reporting status and the requests for the figures; submissions and issues
// for the views of the same names.
var combineTables = []string{"metric_facts", "reporting_status", "requests", "submissions", "issues"}

// CombineConfig is one combine's inputs.
type CombineConfig struct {
	Lakes    []string // lake folders, each written by Export
	Registry string   // a registry that holds every lake's units
	DB       string   // the warehouse to build (replaced if combine built it)
	// Out receives the summary and township workbooks ("" writes none);
	// Period is the summary's month ("" the newest).
	Out, Period string
	// DeadlineDay only sets the deadline shown for the units no lake holds:
	// every other unit's timeliness is its city's decision.
	DeadlineDay, MinSample int
	// Metrics are the metric definitions (nil: the built-in ones), checked
	// like a run's before anything is read.
	Metrics     *definitions.Metrics
	MemoryLimit string // "" means DefaultCombineMemory
	Now         func() time.Time
	Log         *slog.Logger
}

// CombineResult says what a combine built.
type CombineResult struct {
	RunID       int
	Lakes       []string // the lakes' names, as paths are prefixed with them
	Summary     string   // the summary workbook, "" when none was written
	Period      string
	Elapsed     time.Duration
	ReportsTime time.Duration
}

type lakeInput struct {
	dir, name string
	m         *Manifest
}

// Combine builds the warehouse cfg.DB for the level above the lakes: the
// registry's units, the lakes' facts as each city decided them, and the
// warehouse's own roll-up, flags and views over them (warehouse.Combine).
// It never reads a form. It refuses lakes of another schema version
// (ErrVersion), lakes that hold the same unit for the same month
// (ErrOverlap) and lake units that the registry lacks (ErrUnknownUnits),
// naming which. The warehouse is built beside cfg.DB and renamed over it
// only when complete; a cfg.DB that combine did not build is never replaced.
func Combine(ctx context.Context, cfg CombineConfig) (*CombineResult, error) {
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	started := now()
	t0 := time.Now()
	if cfg.MemoryLimit == "" {
		cfg.MemoryLimit = DefaultCombineMemory
	}
	if len(cfg.Lakes) == 0 {
		return nil, errors.New("combine: no lake given")
	}
	lakes, err := readLakes(cfg.Lakes)
	if err != nil {
		return nil, err
	}
	reg, err := registry.Load(cfg.Registry)
	if err != nil {
		return nil, err
	}
	if cfg.Metrics != nil {
		if err := warehouse.CheckMetrics(ctx, cfg.Metrics, nil); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(cfg.DB); err == nil {
		ok, err := warehouse.BuiltByCombine(ctx, cfg.DB)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s: %w: it would be replaced (give combine another --db)", cfg.DB, warehouse.ErrNotCombined)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}

	if err := os.MkdirAll(filepath.Dir(cfg.DB), 0o755); err != nil {
		return nil, err
	}
	// One combine into a file at a time: the second would remove the
	// first's half-built file.
	unlock, err := lockFile(cfg.DB+".combine.lock", cfg.DB+": another combine is building this warehouse")
	if err != nil {
		return nil, err
	}
	defer unlock()
	tmp := cfg.DB + ".combining"
	removeDB(tmp)
	w, err := warehouse.OpenWith(ctx, tmp, log, warehouse.Options{MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		return nil, err
	}
	res := &CombineResult{}
	for _, l := range lakes {
		res.Lakes = append(res.Lakes, l.name)
	}
	label := "combine: " + strings.Join(cfg.Lakes, ", ")
	res.RunID, err = w.Combine(ctx, label, reg,
		warehouse.Settings{DeadlineDay: cfg.DeadlineDay, MinSample: cfg.MinSample, Metrics: cfg.Metrics},
		started, now(), func(ctx context.Context, conn *sql.Conn) error { return stage(ctx, conn, lakes) })
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		removeDB(tmp)
		return nil, err
	}
	// A stale write-ahead log beside the old file would be replayed into
	// the new one.
	os.Remove(cfg.DB + ".wal")
	if err := os.Rename(tmp, cfg.DB); err != nil {
		removeDB(tmp)
		return nil, err
	}
	os.Remove(tmp + ".lock")
	log.Info("lakes combined", "lakes", len(lakes), "db", cfg.DB, "run", res.RunID, "elapsed_ms", time.Since(t0).Milliseconds())

	if cfg.Out != "" {
		t := time.Now()
		if err := writeReports(ctx, cfg, now(), res, log); err != nil {
			return res, err
		}
		res.ReportsTime = time.Since(t)
	}
	res.Elapsed = time.Since(t0)
	return res, nil
}

// writeReports is `run`'s report stage on the combined warehouse: the
// summary and township workbooks (and feedback lists for the cities' forms
// with issues; no annotated copies, there is no inbox).
func writeReports(ctx context.Context, cfg CombineConfig, now time.Time, res *CombineResult, log *slog.Logger) error {
	w, err := warehouse.OpenWith(ctx, cfg.DB, log, warehouse.Options{MemoryLimit: cfg.MemoryLimit})
	if err != nil {
		return err
	}
	defer w.Close()
	r, err := report.Write(ctx, w.DB(), report.Options{OutDir: cfg.Out, Period: cfg.Period, Now: now, Log: log})
	if err != nil {
		return fmt.Errorf("writing workbooks to %s: %w (the combined warehouse is complete; make --out a writable folder and run again)", cfg.Out, err)
	}
	res.Summary, res.Period = r.Summary, r.Period
	return nil
}

func removeDB(p string) {
	for _, f := range []string{p, p + ".wal", p + ".lock", p + ".tmp"} {
		os.RemoveAll(f)
	}
}

// readLakes reads and checks every lake's manifest. A lake's name is its
// folder's name: the paths of its files are prefixed with it.
func readLakes(dirs []string) ([]lakeInput, error) {
	var lakes []lakeInput
	names := map[string]string{}
	for _, dir := range dirs {
		m, err := ReadManifest(dir)
		if err != nil {
			return nil, err
		}
		if m.Version != Version {
			return nil, fmt.Errorf("%s: %w: schema_version %d, this grassroots reads %d (export that warehouse again with this grassroots)", dir, ErrVersion, m.Version, Version)
		}
		for _, t := range combineTables {
			if m.Tables[t] == nil {
				return nil, fmt.Errorf("%s: %w: no table %s in %s", dir, ErrVersion, t, ManifestFile)
			}
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, err
		}
		name := filepath.Base(abs)
		if other, ok := names[name]; ok {
			return nil, fmt.Errorf("lakes %s and %s have the same folder name %q, which prefixes their files' paths: rename one", other, dir, name)
		}
		names[name] = dir
		lakes = append(lakes, lakeInput{dir: abs, name: name, m: m})
	}
	return lakes, nil
}

// stage reads the lakes' tables into lake_* tables and refuses overlapping
// lakes and units the registry lacks.
func stage(ctx context.Context, conn *sql.Conn, lakes []lakeInput) error {
	for _, t := range combineTables {
		// requests go straight into requests_effective (combine_read_requests.sql).
		if t != "requests" {
			if _, err := conn.ExecContext(ctx, queries.SQL("combine_stage_"+t)); err != nil {
				return fmt.Errorf("queries/combine_stage_%s.sql: %w", t, err)
			}
		}
		for _, l := range lakes {
			var files []string
			tab := l.m.Tables[t]
			for _, period := range sortedKeys(tab.Periods) {
				files = append(files, filepath.Join(l.dir, filepath.FromSlash(tab.Periods[period].File)))
			}
			if len(files) == 0 {
				continue
			}
			if _, err := conn.ExecContext(ctx, queries.SQL("combine_read_"+t), l.name, files); err != nil {
				return fmt.Errorf("lake %s, table %s: queries/combine_read_%s.sql: %w", l.dir, t, t, err)
			}
		}
	}
	if err := check(ctx, conn, "combine_check_overlap", func(rows *sql.Rows) (string, int, error) {
		var unit, period string
		var lakes []any
		var total int
		err := rows.Scan(&unit, &period, &lakes, &total)
		return fmt.Sprintf("%s in %s (lakes %s)", unit, period, joinAny(lakes)), total, err
	}, ErrOverlap, "the same unit and month in two lakes: each unit must belong to one city's lake"); err != nil {
		return err
	}
	return check(ctx, conn, "combine_check_units", func(rows *sql.Rows) (string, int, error) {
		var unit string
		var lakes []any
		var total int
		err := rows.Scan(&unit, &lakes, &total)
		return fmt.Sprintf("%s (lake %s)", unit, joinAny(lakes)), total, err
	}, ErrUnknownUnits, "not villages or communities of the registry: give a registry that holds every lake's units")
}

// check runs one of the combine_check_*.sql queries: any row is an error
// naming the first few offenders and how many there are.
func check(ctx context.Context, conn *sql.Conn, name string, scan func(*sql.Rows) (string, int, error), sentinel error, advice string) error {
	rows, err := conn.QueryContext(ctx, queries.SQL(name))
	if err != nil {
		return fmt.Errorf("queries/%s.sql: %w", name, err)
	}
	defer rows.Close()
	var found []string
	total := 0
	for rows.Next() {
		s, n, err := scan(rows)
		if err != nil {
			return err
		}
		found, total = append(found, s), n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(found) == 0 {
		return nil
	}
	more := ""
	if total > len(found) {
		more = fmt.Sprintf(" and %d more", total-len(found))
	}
	return fmt.Errorf("%w: %s%s; %s", sentinel, strings.Join(found, ", "), more, advice)
}

func joinAny(xs []any) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
