package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"grassroots/pipeline/calendar"
	"grassroots/pipeline/warehouse"
)

func cmdQuery(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "query", "[--db FILE] [--format table|csv|json] [--allow-files] SQL")
	db := fs.String("db", "out/warehouse.duckdb", "DuckDB warehouse file")
	format := fs.String("format", "table", "output: table, csv or json")
	allowFiles := fs.Bool("allow-files", false, "let the SQL read or write files (read_csv, COPY …); off by default")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: query takes one SQL statement (quote it)", errUsage)
	}
	write, ok := map[string]func(io.Writer, []string, [][]any, []string) error{
		"table": writeTable, "csv": writeCSV, "json": writeJSON,
	}[*format]
	if !ok {
		return fmt.Errorf("%w: --format %q: want table, csv or json", errUsage, *format)
	}
	conn, err := warehouse.OpenReadOnly(ctx, *db, *allowFiles)
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	dbTypes := make([]string, len(types))
	for i, t := range types {
		dbTypes[i] = t.DatabaseTypeName()
	}
	var data [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		data = append(data, vals)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return write(e.stdout, cols, data, dbTypes)
}

// text renders one value for table and CSV output: NULL is empty, dates are
// ISO dates, times are Asia/Shanghai.
func text(v any, dbType string) string {
	switch v := v.(type) {
	case nil:
		return ""
	case time.Time:
		if dbType == "DATE" {
			return v.Format(time.DateOnly)
		}
		return v.In(calendar.Shanghai).Format(time.RFC3339)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case []byte:
		return string(v)
	default:
		return fmt.Sprint(v)
	}
}

func writeCSV(w io.Writer, cols []string, data [][]any, types []string) error {
	cw := csv.NewWriter(w)
	cw.Write(cols)
	rec := make([]string, len(cols))
	for _, row := range data {
		for i, v := range row {
			rec[i] = text(v, types[i])
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

func writeTable(w io.Writer, cols []string, data [][]any, types []string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	rec := make([]string, len(cols))
	for _, row := range data {
		for i, v := range row {
			rec[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(text(v, types[i]))
			if v == nil {
				rec[i] = "NULL"
			}
		}
		fmt.Fprintln(tw, strings.Join(rec, "\t"))
	}
	fmt.Fprintf(tw, "(%d rows)\n", len(data))
	return tw.Flush()
}

// writeJSON writes an array of objects with the columns in query order.
func writeJSON(w io.Writer, cols []string, data [][]any, types []string) error {
	var b strings.Builder
	b.WriteString("[")
	for r, row := range data {
		if r > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for i, v := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			k, _ := json.Marshal(cols[i])
			b.Write(k)
			b.WriteString(": ")
			var jv any = v
			switch v.(type) {
			case time.Time, []byte:
				jv = text(v, types[i])
			}
			enc, err := json.Marshal(jv)
			if err != nil {
				enc, _ = json.Marshal(fmt.Sprint(v))
			}
			b.Write(enc)
		}
		b.WriteString("}")
	}
	if len(data) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := io.WriteString(w, b.String())
	return err
}
