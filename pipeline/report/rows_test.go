package report

import (
	"bytes"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// streamedSheet is the sheet part excelize's stream writer writes for rows
// from row 3 on, with columns of widths set from the last, as writeSheet
// set them.
func streamedSheet(t *testing.T, rows [][]any, widths []float64) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range rows {
		if len(r) == 0 {
			continue
		}
		if err := sw.SetRow(cellName(1, 3+i), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var parts partCapture
	f.ZipWriter = func(io.Writer) excelize.ZipWriter { return &parts }
	if _, err := f.WriteToBuffer(); err != nil {
		t.Fatal(err)
	}
	return parts.parts["xl/worksheets/sheet1.xml"].Bytes()
}

// streamedRows is the sheetData excelize's stream writer writes for rows
// from row 3 on: what rowsXML must give.
func streamedRows(t *testing.T, rows [][]any) []byte {
	t.Helper()
	data := streamedSheet(t, rows, nil)
	i, j := bytes.Index(data, []byte("<sheetData>")), bytes.Index(data, []byte("</sheetData>"))
	if i < 0 || j < 0 {
		t.Fatalf("no sheetData in %s", data)
	}
	return data[i+len("<sheetData>") : j]
}

// TestColsXML: the columns are written as the stream writer writes them,
// right before sheetData.
func TestColsXML(t *testing.T) {
	for _, widths := range [][]float64{nil, {6}, {14, 14, 8.5, 60, 24, 6.25, 1.0 / 3}} {
		data := streamedSheet(t, [][]any{{"x"}}, widths)
		i := bytes.Index(data, []byte("<sheetData>"))
		want := data[:i]
		if j := bytes.Index(want, []byte("<cols>")); j >= 0 {
			want = want[j:]
		} else {
			want = nil
		}
		if got := colsXML(widths); !bytes.Equal(got, want) {
			t.Errorf("colsXML(%v):\n%s\nexcelize:\n%s", widths, got, want)
		}
	}
}

// TestRowsXML: the rows the summaries hold are written as excelize writes
// them; values it would write otherwise are left to excelize.
func TestRowsXML(t *testing.T) {
	when := time.Date(2021, 4, 3, 10, 5, 7, 0, time.UTC)
	tests := []struct {
		name string
		rows [][]any
		fast bool
	}{
		{"text", [][]any{{"南宁市", "", "a&b<c>\"d'", " lead", "trail\t", "two\nlines", "cr\rhere", "\x01bad\xff"}}, true},
		{"characters", [][]any{{"it's", "\uFFFD", "a\uFFFEb", "\uFFFF", "😀表情", "\u2028", "tab\tinside", "plain ascii"}}, true},
		{"numbers", [][]any{{0.1 + 0.2, 1.0 / 3, math.Copysign(0, -1), 1e21, 123456789012345678.0, 0.000001234, 5e-324, math.MaxFloat64, -2.5}}, true},
		{"integers", [][]any{{1, 0, -7, int64(1) << 40}}, true},
		{"cells", [][]any{{excelize.Cell{StyleID: 3, Value: 0.975}, excelize.Cell{StyleID: 7, Value: "标题"},
			excelize.Cell{StyleID: 9, Value: when}, excelize.Cell{StyleID: 9, Value: time.Date(2021, 4, 5, 0, 0, 0, 0, time.UTC)},
			excelize.Cell{StyleID: 4, Value: int64(12)}, excelize.Cell{Value: 2.0}}}, true},
		{"gaps", [][]any{{nil, "b", nil}, nil, {}, {nil}, {"x", nil, nil, 1.5}}, true},
		{"wide", [][]any{append(make([]any, 29), "AD")}, true},
		{"escape", [][]any{{"_x0041_"}}, false},
		{"nan", [][]any{{math.NaN()}}, false},
		{"inf", [][]any{{excelize.Cell{StyleID: 3, Value: math.Inf(1)}}}, false},
		{"formula", [][]any{{excelize.Cell{Formula: "SUM(A1:A2)"}}}, false},
		{"unstyled time", [][]any{{when}}, false},
		{"empty cell", [][]any{{excelize.Cell{StyleID: 3}}}, false},
		{"long text", [][]any{{strings.Repeat("x", excelize.TotalCellChars+1)}}, false},
		{"bool", [][]any{{true}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := rowsXML(tc.rows)
			if ok != tc.fast {
				t.Fatalf("rowsXML took %v, want %v", ok, tc.fast)
			}
			if !ok {
				return
			}
			if want := streamedRows(t, tc.rows); !bytes.Equal(got, want) {
				t.Errorf("rowsXML:\n%s\nexcelize:\n%s", got, want)
			}
		})
	}
}
