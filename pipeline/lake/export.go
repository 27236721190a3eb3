package lake

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"syscall"
	"time"

	"grassroots/pipeline/warehouse"
	"grassroots/queries"
)

// tableSpec is one table of the lake: queries/export_<name>.sql stages its
// rows, which need the warehouse relation source.
type tableSpec struct {
	name, source string
	partitioned  bool
	// optional: exported only when the warehouse has source (a newer view);
	// otherwise a missing source exports as zero rows (a warehouse no run
	// has refreshed yet has no views).
	optional bool
}

// tables are the lake's tables, in the manifest's order: the public views of
// the warehouse, then the facts a higher level is computed from, then the
// registry. Residents' names and phones are in none of them.
var tables = []tableSpec{
	{name: "metric_values", source: "metric_values", partitioned: true},
	{name: "metric_values_current", source: "metric_values_current", partitioned: true, optional: true},
	{name: "metric_flags", source: "metric_flags", partitioned: true},
	{name: "metric_changes", source: "metric_changes", partitioned: true},
	{name: "submissions", source: "submissions", partitioned: true},
	{name: "issues", source: "issues", partitioned: true},
	{name: "requests", source: "requests_effective", partitioned: true},
	{name: "runs", source: "runs"},
	{name: "metric_facts", source: "metric_values", partitioned: true},
	{name: "request_days", source: "requests_effective", partitioned: true},
	{name: "reporting_status", source: "reporting_status", partitioned: true},
	{name: "registry", source: "unit_rows"},
}

// ExportResult says what an export did, as part paths relative to the lake.
type ExportResult struct {
	Manifest  *Manifest
	Written   []string // new or changed months
	Unchanged []string // months whose digest was the previous export's: left as they were
	Removed   []string // months that no longer have data
	Elapsed   time.Duration
}

// Export writes the warehouse db as a lake in dir (created if needed). The
// warehouse is opened read-only: a nightly run may not hold it meanwhile (it
// fails with warehouse.ErrLocked's advice), but analysts' queries may. Only
// the months whose contents changed since the previous export are written,
// each to a hidden file beside its place and renamed over it, so that a
// reader sees either the old month or the new one; months that no longer
// have rows are removed; the manifest is replaced last.
func Export(ctx context.Context, db, dir string, log *slog.Logger) (*ExportResult, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	prev, err := ReadManifest(dir)
	switch {
	case errors.Is(err, ErrNotLake):
		prev = nil
	case err != nil:
		// A damaged manifest: every month is written again.
		log.Warn("previous manifest unreadable, rewriting every month", "err", err)
		prev = nil
	case prev.Version != Version:
		log.Info("lake of another schema version, rewriting every month", "version", prev.Version, "want", Version)
		prev = nil
	}
	if prev == nil {
		prev = &Manifest{Tables: map[string]*Table{}}
	}

	sqlDB, err := warehouse.OpenReadOnly(ctx, db, true)
	if err != nil {
		return nil, err
	}
	defer sqlDB.Close()
	// Staging tables are temporary: one connection for the whole export.
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()

	m := &Manifest{Version: Version, Tables: map[string]*Table{}}
	if err := conn.QueryRowContext(ctx, queries.SQL("schema_version")).Scan(&m.WarehouseSchema); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: %w", db, err)
	}
	res := &ExportResult{Manifest: m}
	for _, spec := range tables {
		t0, written := time.Now(), len(res.Written)
		t, err := exportTable(ctx, conn, dir, spec, prev.Tables[spec.name], res)
		if err != nil {
			return nil, fmt.Errorf("exporting %s: %w", spec.name, err)
		}
		if t != nil {
			m.Tables[spec.name] = t
			log.Debug("exported", "table", spec.name, "rows", t.Rows, "written", len(res.Written)-written,
				"elapsed_ms", time.Since(t0).Milliseconds())
		}
	}
	// Tables of the previous export that this one no longer has.
	for name, old := range prev.Tables {
		if m.Tables[name] == nil {
			if err := removeParts(dir, name, old, nil, res); err != nil {
				return nil, err
			}
		}
	}
	if err := writeManifest(dir, m); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(start)
	log.Info("lake exported", "lake", dir, "written", len(res.Written), "unchanged", len(res.Unchanged),
		"removed", len(res.Removed), "elapsed_ms", res.Elapsed.Milliseconds())
	return res, nil
}

func exportTable(ctx context.Context, conn *sql.Conn, dir string, spec tableSpec, old *Table, res *ExportResult) (*Table, error) {
	t := &Table{Partitioned: spec.partitioned, Columns: []Column{}, Periods: map[string]*Part{}}
	var exists bool
	if err := conn.QueryRowContext(ctx, queries.SQL("export_relation_exists"), spec.source).Scan(&exists); err != nil {
		return nil, err
	}
	switch {
	case !exists && spec.optional:
		return nil, nil
	case !exists:
		return t, removeParts(dir, spec.name, old, t, res)
	}
	if _, err := conn.ExecContext(ctx, queries.SQL("export_"+spec.name)); err != nil {
		return nil, fmt.Errorf("queries/export_%s.sql: %w", spec.name, err)
	}
	cols, err := conn.QueryContext(ctx, queries.SQL("export_columns"))
	if err != nil {
		return nil, err
	}
	for cols.Next() {
		var c Column
		if err := cols.Scan(&c.Name, &c.Type); err != nil {
			cols.Close()
			return nil, err
		}
		t.Columns = append(t.Columns, c)
	}
	cols.Close()
	if err := cols.Err(); err != nil {
		return nil, err
	}
	rows, err := conn.QueryContext(ctx, queries.SQL("export_digests"))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var period string
		p := &Part{}
		if err := rows.Scan(&period, &p.Rows, &p.Digest); err != nil {
			rows.Close()
			return nil, err
		}
		p.File = partPath(spec.name, period)
		t.Periods[period] = p
		t.Rows += p.Rows
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// A table whose columns changed is written again whole, even where the
	// digests agree.
	sameColumns := old != nil && old.Partitioned == t.Partitioned && slices.Equal(old.Columns, t.Columns)
	for _, period := range sortedKeys(t.Periods) {
		p := t.Periods[period]
		if sameColumns {
			if o := old.Periods[period]; o != nil && o.Digest == p.Digest && o.File == p.File && fileExists(filepath.Join(dir, p.File)) {
				res.Unchanged = append(res.Unchanged, p.File)
				continue
			}
		}
		if err := writePart(ctx, conn, dir, period, p.File); err != nil {
			return nil, err
		}
		res.Written = append(res.Written, p.File)
	}
	return t, removeParts(dir, spec.name, old, t, res)
}

// writePart copies one month of lake_stage to dir/file: to a hidden file in
// the same folder first, then renamed over the month's file (a rename within
// a folder is atomic), so that a reader never sees half a month.
func writePart(ctx context.Context, conn *sql.Conn, dir, period, file string) error {
	final := filepath.Join(dir, filepath.FromSlash(file))
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(final), "."+dataFile+".tmp")
	os.Remove(tmp) // left by an export that was stopped
	if _, err := conn.ExecContext(ctx, queries.SQL("export_target"), period, tmp); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, queries.SQL("export_target_out")); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, queries.SQL("export_copy")); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("queries/export_copy.sql to %s: %w", final, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// removeParts removes the files of old that cur (nil: none) no longer has,
// and their month's folder.
func removeParts(dir, name string, old, cur *Table, res *ExportResult) error {
	if old == nil {
		return nil
	}
	for _, period := range sortedKeys(old.Periods) {
		o := old.Periods[period]
		if cur != nil {
			if p := cur.Periods[period]; p != nil && p.File == o.File {
				continue
			}
		}
		f := filepath.Join(dir, filepath.FromSlash(o.File))
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if period != "" {
			os.Remove(filepath.Join(filepath.Dir(f), "."+dataFile+".tmp")) // left by a stopped export
			os.Remove(filepath.Dir(f))                                     // only when empty
		}
		res.Removed = append(res.Removed, o.File)
	}
	if cur == nil {
		os.Remove(filepath.Join(dir, name)) // only when empty
	}
	return nil
}

// writeManifest replaces dir/_manifest.json atomically.
func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestFile))
}

// lockDir takes an exclusive lock on dir/.lock, so that two exports into one
// lake fail at once instead of interleaving their renames.
func lockDir(dir string) (func(), error) {
	return lockFile(filepath.Join(dir, ".lock"), dir+": another export is writing this lake")
}

// lockFile takes an exclusive lock on path (created if needed), or fails at
// once with busy when another process holds it.
func lockFile(path, busy string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errors.New(busy)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
