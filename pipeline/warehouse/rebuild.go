package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"grassroots/queries"
)

// SchemaVersion is the schema version of the warehouses this grassroots
// writes.
func SchemaVersion() string { return schemaVersion }

// Older reports whether a warehouse of schema version v was written by an
// earlier grassroots than this one (which a rebuild may replace); a newer
// or unreadable version is not.
func Older(v string) bool {
	n, err := strconv.Atoi(v)
	cur, _ := strconv.Atoi(schemaVersion)
	return err == nil && n < cur
}

// Inventory is what a rebuild needs to know of a warehouse file of any
// schema version: its version and every content it has read.
type Inventory struct {
	Version string
	// Files maps each content (sha256) the warehouse has seen to one of
	// the paths (relative to its inbox) it was seen at.
	Files map[string]string
}

// Inspect reads a warehouse file of any schema version, read-only. A
// warehouse of another version is refused by Open with ErrIncompatible;
// `run --rebuild` inspects it to check that the inbox still holds every
// file it read before loading the inbox into a new one.
func Inspect(ctx context.Context, path string) (*Inventory, error) {
	db, err := OpenReadOnly(ctx, path, false)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	inv := &Inventory{Files: map[string]string{}}
	if err := db.QueryRowContext(ctx, queries.SQL("schema_version")).Scan(&inv.Version); err != nil {
		if errors.Is(err, sql.ErrNoRows) || isDuckDB(err, duckdb.ErrorTypeCatalog) {
			return nil, fmt.Errorf("%s: %w: not a grassroots warehouse (no schema version)", path, ErrDamaged)
		}
		return nil, fmt.Errorf("%s: %w: %w", path, ErrDamaged, err)
	}
	rows, err := db.QueryContext(ctx, queries.SQL("inspect_files"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrDamaged, err)
	}
	defer rows.Close()
	for rows.Next() {
		var sha, p string
		if err := rows.Scan(&sha, &p); err != nil {
			return nil, err
		}
		inv.Files[sha] = p
	}
	return inv, rows.Err()
}
