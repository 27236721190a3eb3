// Package arrowcol reads the columns of the Arrow batches DuckDB answers
// with (duckdb-go's Arrow interface), for the queries that hand Go a
// hundred thousand rows or more: database/sql gives them one value at a
// time, which measured three to four times slower. A batch's memory is
// DuckDB's and is freed once its reader moves on: a string kept from it
// must be cloned (strings.Clone).
package arrowcol

import (
	"database/sql"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// String is column i of rec as text; a NULL is "".
func String(rec arrow.RecordBatch, i int) (func(int) string, error) {
	switch c := rec.Column(i).(type) {
	case *array.String:
		return c.Value, nil
	case *array.LargeString:
		return c.Value, nil
	case *array.StringView:
		return c.Value, nil
	}
	return nil, wrongType(rec, i, "text")
}

// Strings is column i of rec as text kept beyond the batch: every value
// copied into one allocation, which a caller keeping 100,000 of them (the
// paths and hashes a run starts from) makes once per batch instead of once
// per value. A NULL is "".
func Strings(rec arrow.RecordBatch, i int) ([]string, error) {
	col, err := String(rec, i)
	if err != nil {
		return nil, err
	}
	n := int(rec.NumRows())
	size := 0
	for j := range n {
		size += len(col(j))
	}
	buf := make([]byte, 0, size)
	for j := range n {
		buf = append(buf, col(j)...)
	}
	all := string(buf)
	out := make([]string, n)
	off := 0
	for j := range n {
		l := len(col(j))
		out[j] = all[off : off+l]
		off += l
	}
	return out, nil
}

// NullStrings is Strings with each value's NULL kept (Valid false).
func NullStrings(rec arrow.RecordBatch, i int) ([]sql.NullString, error) {
	vals, err := Strings(rec, i)
	if err != nil {
		return nil, err
	}
	col := rec.Column(i)
	out := make([]sql.NullString, len(vals))
	for j, v := range vals {
		out[j] = sql.NullString{String: v, Valid: !col.IsNull(j)}
	}
	return out, nil
}

// Bool is column i of rec as nullable booleans.
func Bool(rec arrow.RecordBatch, i int) (func(int) sql.NullBool, error) {
	c, ok := rec.Column(i).(*array.Boolean)
	if !ok {
		return nil, wrongType(rec, i, "BOOLEAN")
	}
	return func(j int) sql.NullBool {
		if c.IsNull(j) {
			return sql.NullBool{}
		}
		return sql.NullBool{Bool: c.Value(j), Valid: true}
	}, nil
}

// Int is column i of rec as integers (an INTEGER or BIGINT); a NULL is 0.
func Int(rec arrow.RecordBatch, i int) (func(int) int, error) {
	switch c := rec.Column(i).(type) {
	case *array.Int32:
		return func(j int) int { return int(c.Value(j)) }, nil
	case *array.Int64:
		return func(j int) int { return int(c.Value(j)) }, nil
	}
	return nil, wrongType(rec, i, "an integer")
}

// Float is column i of rec as nullable numbers (a DOUBLE).
func Float(rec arrow.RecordBatch, i int) (func(int) sql.NullFloat64, error) {
	c, ok := rec.Column(i).(*array.Float64)
	if !ok {
		return nil, wrongType(rec, i, "DOUBLE")
	}
	return func(j int) sql.NullFloat64 {
		if c.IsNull(j) {
			return sql.NullFloat64{}
		}
		return sql.NullFloat64{Float64: c.Value(j), Valid: true}
	}, nil
}

// Time is column i of rec as nullable times (a TIMESTAMP or TIMESTAMPTZ),
// in UTC as database/sql gives them.
func Time(rec arrow.RecordBatch, i int) (func(int) sql.NullTime, error) {
	c, ok := rec.Column(i).(*array.Timestamp)
	if !ok {
		return nil, wrongType(rec, i, "a timestamp")
	}
	unit := c.DataType().(*arrow.TimestampType).Unit
	return func(j int) sql.NullTime {
		if c.IsNull(j) {
			return sql.NullTime{}
		}
		return sql.NullTime{Time: c.Value(j).ToTime(unit), Valid: true}
	}, nil
}

// wrongType is the error for column i of rec not being of the type wanted.
func wrongType(rec arrow.RecordBatch, i int, want string) error {
	return fmt.Errorf("column %s: %s, want %s", rec.ColumnName(i), rec.Column(i).DataType(), want)
}

// Read calls scan for each batch rdr gives, then releases rdr; the first
// error, scan's or the reader's, is returned.
func Read(rdr array.RecordReader, scan func(arrow.RecordBatch) error) error {
	defer rdr.Release()
	for rdr.Next() {
		if err := scan(rdr.RecordBatch()); err != nil {
			return err
		}
	}
	return rdr.Err()
}
