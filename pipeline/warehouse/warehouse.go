// Package warehouse owns the DuckDB file: its schema, loading read forms into
// it through Arrow in one transaction per run, and recomputing the metrics
// and public views of docs/outputs.md and docs/warehouse.md. The SQL lives
// in queries/.
//
// A run is Open → Begin → Unchanged/Loaded/AddFile/AddForm … → Refresh →
// Commit. Until Commit nothing is visible, and a failure (or a killed
// process) leaves the warehouse exactly as it was: DuckDB's write-ahead log
// replays only committed transactions.
package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2" // also registers the "duckdb" driver

	"grassroots/queries"
)

// schemaVersion is written into meta; a warehouse with another version was
// made by an incompatible grassroots and is refused rather than guessed at.
// 2: requests_effective is kept between runs (refreshed per village);
// 3: so are the request_changed_date warnings (request_date_issues);
// 4: the hierarchy through time (unit_rows, unit_tree's months,
// metric_values_current_t).
const schemaVersion = "4"

var (
	// ErrLocked: another run holds the warehouse.
	ErrLocked = errors.New("warehouse is in use by another run")
	// ErrIncompatible: the file is a warehouse of another schema version.
	ErrIncompatible = errors.New("warehouse was written by an incompatible version of grassroots")
	// ErrDamaged: the file is not a DuckDB database or cannot be read.
	ErrDamaged = errors.New("warehouse file cannot be opened")
	// ErrDiskFull: the disk holding the warehouse is full.
	ErrDiskFull = errors.New("no space left for the warehouse")
	// ErrOutOfMemory: DuckDB needed more memory than Options.MemoryLimit
	// allows for something it cannot spill to disk. The message names the
	// limit and the run flag that raises it (--memory-limit).
	ErrOutOfMemory = errors.New("DuckDB ran out of memory")
)

// DefaultMemoryLimit caps the memory DuckDB uses for a run; beyond it DuckDB
// spills to <db>.tmp on disk. Measured: a 10,000-form first load peaked at
// 1.48 GiB of RSS without a cap and 578 MiB with 256MB, in the same time
// (18.5 s). 256MB was the default until a night of a 10,000-unit city with
// a year of history was seen to spill 175 MB to disk every night: with
// 512MB it spills none of it and takes 4.75-4.84 s instead of 5.02-5.46 s,
// at 1.25-1.28 GiB of RSS instead of 1.10 GiB (1GB gained nothing more);
// the realistic 10,000-form first load peaks at 847 MiB instead of 779.
const DefaultMemoryLimit = "512MB"

// Options tune Open. The zero value means the defaults.
type Options struct {
	// MemoryLimit is DuckDB's memory_limit (e.g. "256MB", "2GB"); "" means
	// DefaultMemoryLimit.
	MemoryLimit string
}

// Warehouse is an open, locked, read-write warehouse.
type Warehouse struct {
	db   *sql.DB
	path string
	lock *os.File
	log  *slog.Logger
	opt  Options
}

// Open opens (creating if needed) the warehouse at path for a run. It takes
// an exclusive lock on path+".lock" first, so that a second run fails at once
// with ErrLocked instead of waiting or corrupting the first.
func Open(ctx context.Context, path string, log *slog.Logger) (*Warehouse, error) {
	return OpenWith(ctx, path, log, Options{})
}

// OpenWith is Open with Options.
func OpenWith(ctx context.Context, path string, log *slog.Logger, opt Options) (*Warehouse, error) {
	if opt.MemoryLimit == "" {
		opt.MemoryLimit = DefaultMemoryLimit
	}
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("warehouse lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w (wait for it to finish, or check for a stuck process)", path, ErrLocked)
		}
		return nil, fmt.Errorf("warehouse lock %s: %w", path+".lock", err)
	}
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)
	w := &Warehouse{path: path, lock: lock, log: log, opt: opt}
	if err := w.open(ctx); err != nil {
		w.Close()
		if created {
			// A warehouse this call created and could not finish (a full
			// disk) would be refused by every later run: leave nothing.
			os.Remove(path)
			os.Remove(path + ".wal")
		}
		return nil, err
	}
	return w, nil
}

func (w *Warehouse) open(ctx context.Context) error {
	db, err := sql.Open("duckdb", w.path+"?memory_limit="+url.QueryEscape(w.opt.MemoryLimit))
	if err != nil {
		return classifyOpenError(w.path, err)
	}
	w.db = db
	if err := db.PingContext(ctx); err != nil {
		return classifyOpenError(w.path, err)
	}
	var version string
	err = db.QueryRowContext(ctx, queries.SQL("schema_version")).Scan(&version)
	switch {
	case err == nil && version != schemaVersion && Older(version):
		return fmt.Errorf("%s: schema %s, this grassroots needs %s: %w (run again with --rebuild to load the inbox into a new warehouse, keeping this one aside)", w.path, version, schemaVersion, ErrIncompatible)
	case err == nil && version != schemaVersion:
		return fmt.Errorf("%s: schema %s, this grassroots needs %s: %w (a newer grassroots wrote it: use that one, or load the inbox into a new warehouse file)", w.path, version, schemaVersion, ErrIncompatible)
	case err == nil:
	case errors.Is(err, sql.ErrNoRows), isDuckDB(err, duckdb.ErrorTypeCatalog):
		// A new warehouse (no meta table, a Catalog Error): the schema
		// below creates it.
	default:
		return classifyOpenError(w.path, err)
	}
	if _, err := db.ExecContext(ctx, queries.SQL("schema")); err != nil {
		return fmt.Errorf("%s: creating schema: %w", w.path, w.runError(err))
	}
	if _, err := db.ExecContext(ctx, queries.SQL("set_schema_version"), schemaVersion); err != nil {
		return fmt.Errorf("%s: %w", w.path, w.runError(err))
	}
	return nil
}

// isDuckDB reports whether err is (or wraps) a DuckDB error of type t.
func isDuckDB(err error, t duckdb.ErrorType) bool {
	var de *duckdb.Error
	return errors.As(err, &de) && de.Type == t
}

// runError gives the errors of a run that the operator can act on their
// sentinel and what to do: DuckDB out of memory (ErrOutOfMemory) and a full
// disk (ErrDiskFull, also when DuckDB spills to <db>.tmp). Other errors are
// returned as they are.
func (w *Warehouse) runError(err error) error {
	switch {
	case err == nil:
		return nil
	case isDuckDB(err, duckdb.ErrorTypeOutOfMemory):
		return fmt.Errorf("%w: %w (the memory limit is %s: raise it with --memory-limit, e.g. --memory-limit 2GB, and run again; the warehouse is as before this run)", ErrOutOfMemory, err, w.opt.MemoryLimit)
	case diskFull(err):
		return fmt.Errorf("%w: %w (the warehouse is as before this run; free space on the warehouse's disk and run again)", ErrDiskFull, err)
	}
	return err
}

func classifyOpenError(path string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%s: %w", path, err)
	}
	if diskFull(err) {
		return fmt.Errorf("%s: %w: %w (free space on that disk and run again)", path, ErrDiskFull, err)
	}
	var de *duckdb.Error
	if errors.As(err, &de) {
		switch de.Type {
		case duckdb.ErrorTypeOutOfMemory:
			return fmt.Errorf("%s: %w: %w (raise --memory-limit and run again)", path, ErrOutOfMemory, err)
		case duckdb.ErrorTypeIO:
			// DuckDB gives no finer type: a lock held by another process,
			// a storage version it cannot read and a damaged file are all
			// "IO Error"s, told apart only by their text (DuckDB 1.5's
			// wording, checked by TestOpenErrors).
			switch {
			case strings.Contains(de.Msg, "Could not set lock"):
				return fmt.Errorf("%s: %w: %w (another program has the file open, such as a DuckDB session: close it and run again)", path, ErrLocked, err)
			case strings.Contains(de.Msg, "database file with version number"):
				return fmt.Errorf("%s: %w: %w (load the inbox into a new warehouse file)", path, ErrIncompatible, err)
			}
		}
	}
	return fmt.Errorf("%s: %w: %w (restore it from a backup or load the inbox into a new file)", path, ErrDamaged, err)
}

// diskFull reports whether err says the disk is full. A Go error carries
// ENOSPC; DuckDB gives no type for it (an "IO Error" like a damaged file, or
// at COMMIT a "TransactionContext Error") and reports the operating
// system's message as text, so for DuckDB's errors the text is the only
// sign (TestDiskFull in torture/).
func diskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "No space left on device")
}

// DB is the warehouse's database, for reading after a run (reports, tests).
func (w *Warehouse) DB() *sql.DB { return w.db }

// Checkpoint writes the committed runs' changes from DuckDB's log into
// the warehouse file, as Close does. The batch runs it beside the
// workbooks, once they have read what they need: the close then has
// nothing left to write (a quarter of a second of a 12-month night).
func (w *Warehouse) Checkpoint(ctx context.Context) error {
	// Not runError's advice: the run is committed whatever happens here.
	t := time.Now()
	_, err := w.db.ExecContext(ctx, queries.SQL("checkpoint"))
	w.log.Debug("warehouse checkpointed", "elapsed_ms", time.Since(t).Milliseconds())
	return err
}

// CloseDB closes the database and keeps the lock, which Close releases.
// The batch closes it once the workbooks have read it and the checkpoint
// is written, beside the workbooks still being written: DuckDB's shutdown
// (its buffers freed, its threads joined) took 55 ms at the end of a
// 12-month night. The warehouse is not used after.
func (w *Warehouse) CloseDB() error {
	if w.db == nil {
		return nil
	}
	t := time.Now()
	err := w.db.Close()
	w.db = nil
	w.log.Debug("warehouse closed", "elapsed_ms", time.Since(t).Milliseconds())
	return err
}

// Close closes the database and releases the lock.
func (w *Warehouse) Close() error {
	var err error
	if w.db != nil {
		err = w.db.Close()
	}
	if w.lock != nil {
		w.lock.Close() // closing the descriptor releases the flock
	}
	return err
}

// OpenReadOnly opens a warehouse for analysts' queries: DuckDB's read-only
// mode refuses every write, and unless allowFiles is set, SQL cannot read or
// write files outside the warehouse (read_csv, COPY, ATTACH …).
func OpenReadOnly(ctx context.Context, path string, allowFiles bool) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("warehouse %s: %w", path, err)
	}
	dsn := path + "?access_mode=READ_ONLY"
	if !allowFiles {
		dsn += "&enable_external_access=false&lock_configuration=true"
	}
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		return nil, classifyOpenError(path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, classifyOpenError(path, err)
	}
	return db, nil
}
