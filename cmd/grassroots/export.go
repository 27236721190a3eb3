package main

import (
	"context"
	"fmt"

	"grassroots/pipeline/lake"
)

func cmdExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "--db FILE --to DIR")
	db := fs.String("db", "out/warehouse.duckdb", "DuckDB warehouse file (opened read-only)")
	to := fs.String("to", "", "lake folder: Hive-partitioned Parquet by month and _manifest.json (created if missing)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: export takes no arguments, got %q", errUsage, fs.Args())
	}
	if *to == "" {
		return fmt.Errorf("%w: export needs --to DIR", errUsage)
	}
	res, err := lake.Export(ctx, *db, *to, e.log)
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range res.Manifest.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(e.stdout, "lake %s: %d tables, %d rows; %d files written, %d unchanged, %d removed; %d ms\n",
		*to, len(res.Manifest.Tables), rows, len(res.Written), len(res.Unchanged), len(res.Removed), res.Elapsed.Milliseconds())
	return nil
}
