package arrowcol

import (
	"database/sql"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A batch as DuckDB gives one: text, a BIGINT and a TIMESTAMPTZ in
// microseconds, with NULLs.
func batch(t *testing.T) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "path", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "size", Type: arrow.PrimitiveTypes.Int64},
		{Name: "received_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.NewGoAllocator(), schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"a/村.xlsx", ""}, []bool{true, false})
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{1234, 0}, nil)
	b.Field(2).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1_700_000_000_123_456, 0}, []bool{true, false})
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}

func TestColumns(t *testing.T) {
	rec := batch(t)
	path, err := String(rec, 0)
	if err != nil {
		t.Fatal(err)
	}
	size, err := Int(rec, 1)
	if err != nil {
		t.Fatal(err)
	}
	at, err := Time(rec, 2)
	if err != nil {
		t.Fatal(err)
	}
	if path(0) != "a/村.xlsx" || path(1) != "" {
		t.Errorf("paths %q, %q; want a/村.xlsx and \"\" for NULL", path(0), path(1))
	}
	paths, err := Strings(rec, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 || paths[0] != "a/村.xlsx" || paths[1] != "" {
		t.Errorf("Strings: %q, want [a/村.xlsx \"\"]", paths)
	}
	nulls, err := NullStrings(rec, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(nulls) != 2 || nulls[0] != (sql.NullString{String: "a/村.xlsx", Valid: true}) || nulls[1].Valid {
		t.Errorf("NullStrings: %+v, want a/村.xlsx and NULL", nulls)
	}
	if size(0) != 1234 {
		t.Errorf("size %d, want 1234", size(0))
	}
	want := time.UnixMicro(1_700_000_000_123_456)
	if got := at(0); !got.Valid || !got.Time.Equal(want) {
		t.Errorf("received_at %v, want %v", got, want)
	}
	if at(1).Valid {
		t.Errorf("NULL received_at read as %v", at(1).Time)
	}
}

func TestWrongType(t *testing.T) {
	rec := batch(t)
	if _, err := String(rec, 1); err == nil {
		t.Error("String of a BIGINT column: no error")
	}
	if _, err := Int(rec, 0); err == nil {
		t.Error("Int of a text column: no error")
	}
	if _, err := Time(rec, 1); err == nil {
		t.Error("Time of a BIGINT column: no error")
	}
}
