package xlsxzip

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"slices"
	"testing"
)

// write builds an archive of the parts, created in the given order.
func write(t *testing.T, f Format, names []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := f.Writer(&buf)
	for _, n := range names {
		w, err := z.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "<x>"+n+"</x>")
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDeterministic(t *testing.T) {
	names := []string{"xl/worksheets/sheet2.xml", "docProps/app.xml", "_rels/.rels", "xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml"}
	for _, f := range []Format{{Level: flate.BestSpeed}, {Level: flate.DefaultCompression, DOSDate: 0x21}} {
		a := write(t, f, names)
		rev := slices.Clone(names)
		slices.Reverse(rev)
		if b := write(t, f, rev); !bytes.Equal(a, b) {
			t.Errorf("%+v: the order of creation changes the bytes", f)
		}
		r, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range r.File {
			got = append(got, e.Name)
			if e.ModifiedDate != f.DOSDate || e.Method != zip.Deflate || len(e.Extra) != 0 {
				t.Errorf("%+v: %s: date %#x, method %d, extra %d bytes", f, e.Name, e.ModifiedDate, e.Method, len(e.Extra))
			}
		}
		want := []string{"[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: order %q, want %q", f, got, want)
		}
	}
}

// A part added as chunks is the same archive as the part written whole,
// [Content_Types].xml (whose Default elements are sorted) included; a name
// taken either way cannot be taken again.
func TestAddPart(t *testing.T) {
	types := `<Types><Default Extension="xml" ContentType="a"/><Default Extension="png" ContentType="b"/></Types>`
	sheet := `<worksheet><sheetData><row r="3"/></sheetData></worksheet>`
	for _, f := range []Format{{Level: flate.BestSpeed}, {Level: flate.BestSpeed, Klauspost: true}} {
		var whole, chunked bytes.Buffer
		z := f.Writer(&whole)
		for _, p := range [][2]string{{"[Content_Types].xml", types}, {"xl/worksheets/sheet1.xml", sheet}} {
			w, err := z.Create(p[0])
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, p[1])
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		a := f.Archive(&chunked)
		if err := a.AddPart("xl/worksheets/sheet1.xml", []byte(sheet[:20]), nil, []byte(sheet[20:])); err != nil {
			t.Fatal(err)
		}
		if err := a.AddPart("[Content_Types].xml", []byte(types[:30]), []byte(types[30:])); err != nil {
			t.Fatal(err)
		}
		if err := a.AddPart("xl/worksheets/sheet1.xml", []byte(sheet)); err == nil {
			t.Errorf("%+v: a part added twice: no error", f)
		}
		if _, err := a.Create("[Content_Types].xml"); err == nil {
			t.Errorf("%+v: a part added, then created: no error", f)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(whole.Bytes(), chunked.Bytes()) {
			t.Errorf("%+v: the parts added as chunks give other bytes than the parts written", f)
		}
	}
}

func TestDuplicatePart(t *testing.T) {
	z := Format{}.Writer(io.Discard)
	if _, err := z.Create("a.xml"); err != nil {
		t.Fatal(err)
	}
	if _, err := z.Create("a.xml"); err == nil {
		t.Error("a part created twice: no error")
	}
}

func TestSortContentTypes(t *testing.T) {
	in := `<Types><Default Extension="xml" ContentType="a"/><Default Extension="png" ContentType="b"/><Override PartName="/x"/></Types>`
	want := `<Types><Default Extension="png" ContentType="b"/><Default Extension="xml" ContentType="a"/><Override PartName="/x"/></Types>`
	if got := string(sortContentTypes([]byte(in))); got != want {
		t.Errorf("got %s", got)
	}
}
