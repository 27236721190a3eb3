package xlsx

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testLimits are form.Limits' defaults.
var testLimits = Limits{MaxFileBytes: 32 << 20, MaxUnzippedBytes: 128 << 20, MaxCellChars: 32_767, MaxSharedStrings: 1_000_000}

func TestScannerOddities(t *testing.T) {
	wb := &Workbook{lim: testLimits, strings: []string{"单号", "点单日期"}}
	wb.budget = wb.lim.MaxUnzippedBytes
	xml := `<?xml version="1.0"?>
<x:worksheet xmlns:x="ns"><!-- c --><x:sheetData>` +
		`<x:row r="2"><x:c r="A2" t='s'><x:v>0</x:v></x:c><x:c t="inlineStr"><x:is><x:t xml:space="preserve"> A&amp;B &#x4E2D;&#20013;&bogus; </x:t></x:is></x:c>` +
		`<x:c r="D2" t="str"><x:f>A1</x:f><x:v><![CDATA[<cd>]]></x:v></x:c><x:c r="E2"/><x:c r="F2" t="s"><x:v>99</x:v></x:c></x:row>` +
		`<x:row><x:c><x:v>7</x:v></x:c></x:row></x:sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells></x:worksheet>`
	wb.files = map[string]*zip.File{}
	var got []string
	data := zipOf(t, map[string]string{"s.xml": xml})
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	wb.files["s.xml"] = zr.File[0]
	merges, p := wb.Rows("s.xml", 100, true, func(row int, cells []RowCell) error {
		for _, c := range cells {
			got = append(got, CellRef(c.Col, row)+"="+c.Value)
		}
		return nil
	})
	if p != nil {
		t.Fatal(p)
	}
	want := []string{"A2=单号", "B2= A&B 中中&bogus; ", "D2=<cd>", "A3=7"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	if got := strings.Join(merges, ","); got != "A1:B1" {
		t.Errorf("merges %q, want A1:B1", got)
	}
}

// A part that is not well-formed, is cut off, holds a DOCTYPE (entity
// expansion) or is not a worksheet at all is damage: reading what came
// before the fault as if it were the whole sheet would lose rows silently.
func TestScannerRefusesDamage(t *testing.T) {
	const head = `<?xml version="1.0"?><worksheet xmlns="ns"><sheetData><row r="1"><c t="inlineStr"><is><t>单号</t></is></c></row>`
	for name, xml := range map[string]string{
		"doctype":        `<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><worksheet><sheetData><row><c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>`,
		"cut in a tag":   head + `<row r="2"><c t="inl`,
		"cut after rows": head,
		"open comment":   head + `<!-- `,
		"open CDATA":     head + `<row><c t="str"><v><![CDATA[x</v></c></row></sheetData></worksheet>`,
		"not a sheet":    "\x00\x01garbage<<\xff",
		"other root":     `<?xml version="1.0"?><chartsheet><sheetData/></chartsheet>`,
	} {
		t.Run(name, func(t *testing.T) {
			wb := &Workbook{lim: testLimits}
			wb.budget = wb.lim.MaxUnzippedBytes
			data := zipOf(t, map[string]string{"s.xml": xml})
			zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			wb.files = map[string]*zip.File{"s.xml": zr.File[0]}
			_, p := wb.Rows("s.xml", 100, true, func(int, []RowCell) error { return nil })
			if p == nil || p.Code != CodeNotXLSX {
				t.Errorf("got %v, want a not_xlsx problem", p)
			}
		})
	}
}

func zipOf(t testing.TB, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Text from a part is always valid UTF-8 without the control characters XML
// forbids: one clerk's GBK bytes must not fail the warehouse's load.
func TestXMLText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"龙象社区", "龙象社区"},
		{"（５６）", "（５６）"},
		{"a\tb\r\nc", "a\tb\r\nc"},
		{"\xb2\xe2村", "\uFFFD\uFFFD村"},
		{"x\x00y\x01\x1bz", "xyz"},
		{"a\uFFFEb\uFFFF", "ab"},
	} {
		if got := xmlText(tt.in); got != tt.want {
			t.Errorf("xmlText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := unescape([]byte(tt.in), false); got != tt.want {
			t.Errorf("unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := unescape([]byte("a&#0;&#1;b&#xFFFE;&amp;\xff"), false); got != "ab&\uFFFD" {
		t.Errorf("unescape with references = %q", got)
	}
}

func TestIsDateFormat(t *testing.T) {
	for _, tc := range []struct {
		id   int
		code string
		want bool
	}{
		{14, "", true}, {22, "", true}, {31, "", true}, {57, "", true}, {0, "", false}, {2, "", false}, {49, "", false},
		{176, `yyyy"年"m"月"d"日"`, true}, {177, "yyyy-mm-dd;@", true}, {178, `0.00"m"`, false},
		{179, `[Red]0.00`, false}, {180, `#,##0_);\(#,##0\)`, false}, {181, "General", false}, {182, "[$-804]aaaa", false},
		{183, "h:mm", true}, {184, `\d0`, false},
	} {
		if got := isDateFormat(tc.id, tc.code); got != tc.want {
			t.Errorf("isDateFormat(%d, %q) = %v", tc.id, tc.code, got)
		}
	}
}
