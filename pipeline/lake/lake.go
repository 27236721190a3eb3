// Package lake writes a warehouse as a lake that distributed engines read
// (Hive-partitioned Parquet, one folder per month) and builds the warehouse
// of a higher level from several lakes: docs/lake.md.
//
// Export reads the warehouse read-only and writes, per table, one Parquet
// file per month with DuckDB's COPY; a _manifest.json records each month's
// rows and a digest of its contents, so that the next export rewrites only
// the months whose digest changed, each by writing beside and renaming.
// Combine reads the facts of several lakes into a new warehouse and runs the
// warehouse's own roll-up on them (warehouse.Combine).
package lake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Version is the lake layout's schema version, written into the manifest.
// Combine refuses a lake of another version rather than guess at its
// columns. 1: the first layout.
const Version = 1

// ManifestFile is the manifest's name at the lake's root. Engines skip files
// whose names start with '_' or '.', so neither it nor the files being
// written (.data.parquet.tmp) are ever read as data.
const ManifestFile = "_manifest.json"

// dataFile is the one file of a month (or of a table without months).
const dataFile = "data.parquet"

// UnknownPeriod is the partition of rows whose month could not be read (a
// damaged file in submissions and issues).
const UnknownPeriod = "unknown"

// Manifest is _manifest.json.
type Manifest struct {
	Version int `json:"schema_version"`
	// WarehouseSchema is the schema version of the warehouse exported.
	WarehouseSchema string            `json:"warehouse_schema"`
	Tables          map[string]*Table `json:"tables"`
}

// Table is one table of the lake: <table>/period=YYYY-MM/data.parquet per
// month when Partitioned, else <table>/data.parquet.
type Table struct {
	Partitioned bool     `json:"partitioned"`
	Columns     []Column `json:"columns"`
	Rows        int64    `json:"rows"`
	// Periods maps each month ('YYYY-MM' or 'unknown') to its file; for a
	// table without months, the one key is "".
	Periods map[string]*Part `json:"periods"`
}

// Column is a column of a table's files, with its DuckDB type.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Part is one file of a table.
type Part struct {
	File   string `json:"file"` // relative to the lake, with '/'
	Rows   int64  `json:"rows"`
	Digest string `json:"digest"`
}

// ErrNotLake: the folder has no manifest.
var ErrNotLake = errors.New("not a lake (no " + ManifestFile + ")")

// ErrVersion: the lake was written with another layout.
var ErrVersion = errors.New("lake of another schema version")

// ReadManifest reads dir/_manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotLake)
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	return &m, nil
}

// partPath is where a table's month lives, relative to the lake.
func partPath(table, period string) string {
	if period == "" {
		return table + "/" + dataFile
	}
	return table + "/period=" + period + "/" + dataFile
}
