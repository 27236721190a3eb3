package xlsx

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// A small but complete workbook: two sheets (one with a prefix), shared
// strings, a date style, a merge and a comment-free sheet.
func sampleWorkbook(t testing.TB) []byte {
	return zipOf(t, map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":     `<?xml version="1.0"?><workbook xmlns="ns" xmlns:r="rns"><workbookPr/><sheets><sheet name="封面" sheetId="1" r:id="rId1"/><sheet name="点单台账" sheetId="2" r:id="rId2"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/styles.xml":        `<?xml version="1.0"?><styleSheet xmlns="ns"><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/></numFmts><fills count="1"><fill/></fills><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="176"/></cellXfs></styleSheet>`,
		"xl/sharedStrings.xml": `<?xml version="1.0"?><sst xmlns="ns"><si><t>区划代码</t></si><si><r><t>报</t></r><r><t>告期</t></r><rPh><t>ほ</t></rPh></si></sst>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0"?><worksheet xmlns="ns"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>450109100201</v></c></row>` +
			`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" s="1"><v>44256</v></c></row></sheetData><mergeCells><mergeCell ref="C1:D1"/></mergeCells></worksheet>`,
		"xl/worksheets/sheet2.xml": `<?xml version="1.0"?><x:worksheet xmlns:x="ns"><x:sheetData><x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>单号&amp;</x:t></x:is></x:c><x:c r="C3" t="b"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
	})
}

func TestOpenSample(t *testing.T) {
	data := sampleWorkbook(t)
	wb, p := Open(bytes.NewReader(data), int64(len(data)), testLimits)
	if p != nil {
		t.Fatal(p)
	}
	var got []string
	for _, s := range wb.Sheets() {
		merges, p := wb.Rows(s.Part, 100, true, func(row int, cells []RowCell) error {
			for _, c := range cells {
				v := c.Value
				if c.DateFormat {
					v += "(date)"
				}
				got = append(got, s.Name+"!"+CellRef(c.Col, row)+"="+v)
			}
			return nil
		})
		if p != nil {
			t.Fatal(s.Name, p)
		}
		got = append(got, merges...)
	}
	want := "封面!A1=区划代码 封面!B1=450109100201 封面!A2=报告期 封面!B2=44256(date) C1:D1 点单台账!A3=单号& 点单台账!C3=1"
	if g := join(got); g != want {
		t.Errorf("got  %s\nwant %s", g, want)
	}
}

func join(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}

// FuzzScanner: any bytes scan to an end without a panic or a hang, every
// token lies within the input, and the scanner's helpers (Skip, Attr, rich
// text) hold up on whatever it returns.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0"?><x:worksheet xmlns:x="ns"><!-- c --><x:sheetData><x:row r="2"><x:c r="A2" t='s'><x:v>0</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
		`<si><r><t xml:space="preserve"> A&amp;B &#x4E2D;&#20013;&bogus; </t></r><rPh><t>ふ</t></rPh></si>`,
		`<v><![CDATA[<cd>]]></v><a b="1>2" c='x'/>`,
		`<!DOCTYPE w [<!ENTITY a "a">]><w/>`,
		`<a><!-- open`, `<a b="`, `</`, `<![CDATA[x`, "\x00\xff<<>>&#1;",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewScanner(data)
		for n := 0; ; n++ {
			if n > len(data)+1 {
				t.Fatal("more tokens than bytes")
			}
			tok, ok := s.Next()
			if !ok {
				break
			}
			for _, b := range [][]byte{tok.Name, tok.Attrs, tok.Text} {
				if len(b) > len(data) {
					t.Fatal("token beyond the input")
				}
			}
			switch tok.Kind {
			case StartElement:
				Attr(tok.Attrs, "r")
				attrInt(tok.Attrs, "s")
				switch string(tok.Name) {
				case "si", "is":
					s.richText(tok, 1<<10)
				case "skip":
					s.Skip(tok)
				}
			case CharData:
				unescape(tok.Text, tok.CDATA)
			case EndElement:
			default:
				t.Fatalf("token kind %d", tok.Kind)
			}
		}
		if p := s.Problem(); p != nil && p.Code != CodeNotXLSX {
			t.Errorf("problem %v", p)
		}
	})
}

// FuzzOpen: any file opens to a workbook or a Problem with a code and a
// message, never a panic; the sheets of one that opens stream to the end
// or to a Problem, and an annotated copy is made or refused.
func FuzzOpen(f *testing.F) {
	good := sampleWorkbook(f)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PK\x03\x04"))
	f.Add(append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, "E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o\x00"...))
	lim := Limits{MaxFileBytes: 1 << 20, MaxUnzippedBytes: 8 << 20, MaxCellChars: 1000, MaxSharedStrings: 10_000}
	checkProblem := func(t *testing.T, err error) {
		var p *Problem
		if err == nil {
			return
		}
		if !errors.As(err, &p) {
			t.Fatalf("not a Problem: %v", err)
		}
		switch p.Code {
		case CodeNotXLSX, CodeTooLarge, CodeEncrypted:
		default:
			t.Fatalf("code %q", p.Code)
		}
		if p.Msg == "" {
			t.Fatal("no message")
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		wb, p := Open(bytes.NewReader(data), int64(len(data)), lim)
		if p != nil {
			checkProblem(t, p)
			return
		}
		for _, s := range wb.Sheets() {
			rows := 0
			_, p := wb.Rows(s.Part, 100, true, func(row int, cells []RowCell) error {
				if row < 1 || len(cells) == 0 {
					t.Fatalf("row %d with %d cells", row, len(cells))
				}
				if rows++; rows > 1000 {
					return ErrStop
				}
				return nil
			})
			if p != nil {
				checkProblem(t, p)
			}
		}
		var notes []Note
		for _, s := range wb.Sheets() {
			notes = append(notes, Note{Sheet: s.Name, Cell: "B2", Text: "x"}, Note{Sheet: s.Name, Cell: "A1", Text: "y"})
		}
		err := Annotate(io.Discard, bytes.NewReader(data), int64(len(data)), lim, "test", notes)
		if err != nil {
			var pp *Problem
			if errors.As(err, &pp) {
				checkProblem(t, err)
			}
			// A write error cannot happen on io.Discard; a recovered
			// panic would show as "annotating: …".
			if !errors.As(err, &pp) {
				t.Fatalf("annotate: %v", err)
			}
		}
	})
}
