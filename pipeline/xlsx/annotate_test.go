package xlsx

import (
	"strings"
	"testing"
)

// TestAnnotatePrefixedParts: a workbook whose parts use a namespace prefix
// (x:row, x:c) gets prefixed additions.
func TestAnnotatePrefixedParts(t *testing.T) {
	sheet := []byte(`<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="2"><x:c r="B2" s="0"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>`)
	cells := []cellNote{{row: 2, col: 1, Text: "a", comment: true}, {row: 2, col: 2, Text: "b", comment: true}, {row: 5, col: 3, Text: "c", comment: true}}
	st := &styleSheet{usable: true, xfs: [][]byte{[]byte(`<x:xf numFmtId="0"/>`)}, red: map[int]int{}}
	out, id, p := rewriteSheet(sheet, cells, st, "rIdGr1")
	if p != nil {
		t.Fatal(p)
	}
	want := `<x:sheetData><x:row r="2"><x:c r="A2" s="1"/><x:c r="B2" s="1"><x:v>1</x:v></x:c></x:row><x:row r="5"><x:c r="C5" s="1"/></x:row></x:sheetData>` +
		`<x:legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rIdGr1"/></x:worksheet>`
	if !strings.HasSuffix(string(out), want) || id != "rIdGr1" {
		t.Errorf("got %s (id %s), want it to end with %s", out, id, want)
	}
}
