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
	return nil, fmt.Errorf("column %s: %s, want text", rec.ColumnName(i), rec.Column(i).DataType())
}

// Int64 is column i of rec as integers (a BIGINT); a NULL is 0.
func Int64(rec arrow.RecordBatch, i int) (func(int) int64, error) {
	c, ok := rec.Column(i).(*array.Int64)
	if !ok {
		return nil, fmt.Errorf("column %s: %s, want BIGINT", rec.ColumnName(i), rec.Column(i).DataType())
	}
	return c.Value, nil
}

// Time is column i of rec as nullable times (a TIMESTAMP or TIMESTAMPTZ),
// in UTC as database/sql gives them.
func Time(rec arrow.RecordBatch, i int) (func(int) sql.NullTime, error) {
	c, ok := rec.Column(i).(*array.Timestamp)
	if !ok {
		return nil, fmt.Errorf("column %s: %s, want a timestamp", rec.ColumnName(i), rec.Column(i).DataType())
	}
	unit := c.DataType().(*arrow.TimestampType).Unit
	return func(j int) sql.NullTime {
		if c.IsNull(j) {
			return sql.NullTime{}
		}
		return sql.NullTime{Time: c.Value(j).ToTime(unit), Valid: true}
	}, nil
}
