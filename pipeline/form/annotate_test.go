package form

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"grassroots/pipeline/xlsx"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// clerkBook is a form as a clerk's Excel leaves it: styles on cells, a
// merged title, a comment of the clerk's own, and a second comment-less
// sheet.
func clerkBook(t testing.TB) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(stdForm(Version2022).build(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "1F4E78"}, Border: []excelize.Border{{Type: "left", Color: "000000", Style: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		f.SetCellStyle(SheetRequests, "A2", "O2", bold),
		f.MergeCell(SheetRequests, "A1", "D1"),
		f.AddComment(SheetRequests, excelize.Comment{Cell: "E3", Author: "村干部", Paragraph: []excelize.RichTextRun{{Text: "待核实"}}}),
		f.SetColWidth(SheetRequests, "G", "G", 30),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func annotateBytes(t testing.TB, data []byte, notes []Note) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := Annotate(&out, bytes.NewReader(data), int64(len(data)), Limits{}, notes); err != nil {
		t.Fatalf("Annotate: %v", err)
	}
	return out.Bytes()
}

// TestAnnotate: the flagged cells are filled red and commented, whether the
// cell, its row or the sheet's comments existed or not; every other cell,
// style, merge, width and sheet is as in the original.
func TestAnnotate(t *testing.T) {
	orig := clerkBook(t)
	notes := []Note{
		{SheetRequests, "E3", "警告（bad_phone）：少一位"},  // a styled row, a clerk's comment
		{SheetRequests, "C2", "警告（x）：表头"},           // a styled header cell
		{SheetRequests, "E3", "该行退回（bad_date）：第二条"}, // two issues of one cell
		{SheetRequests, "M4", "该行退回（bad_state）：状态"}, // an empty cell in a row that exists
		{SheetRequests, "B40", "警告（y）：一行以外"},        // a row the sheet does not have
		{SheetCover, "B2", "整份退回（bad_code）：区划代码"},   // another sheet
		{"不存在的表", "A1", "ignored"},                  // no such sheet
		{SheetRequests, "XYZ0", "ignored"},          // not a cell
		{SheetMeetings, "", "ignored"},              // a whole sheet
	}
	copyData := annotateBytes(t, orig, notes)
	a, err := excelize.OpenReader(bytes.NewReader(orig))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := excelize.OpenReader(bytes.NewReader(copyData))
	if err != nil {
		t.Fatalf("the copy does not open in excelize: %v", err)
	}
	defer b.Close()

	if diff := cmp.Diff(a.GetSheetList(), b.GetSheetList()); diff != "" {
		t.Fatalf("sheets (-original +copy):\n%s", diff)
	}
	flagged := map[[2]string]bool{}
	for _, n := range notes[:6] {
		flagged[[2]string{n.Sheet, n.Cell}] = true
	}
	for _, sh := range a.GetSheetList() {
		ra, _ := a.GetRows(sh, excelize.Options{RawCellValue: true})
		rb, _ := b.GetRows(sh, excelize.Options{RawCellValue: true})
		// A flagged cell that did not exist is an empty cell now: trim.
		if diff := cmp.Diff(trimRows(ra), trimRows(rb)); diff != "" {
			t.Errorf("%s: cell values (-original +copy):\n%s", sh, diff)
		}
		ma, _ := a.GetMergeCells(sh)
		mb, _ := b.GetMergeCells(sh)
		if diff := cmp.Diff(mergeRefs(ma), mergeRefs(mb)); diff != "" {
			t.Errorf("%s: merges (-original +copy):\n%s", sh, diff)
		}
		for r := 1; r <= max(len(ra), 40); r++ {
			for c := 1; c <= 16; c++ {
				ref := xlsx.CellRef(c, r)
				sa, _ := a.GetCellStyle(sh, ref)
				sb, err := b.GetCellStyle(sh, ref)
				if err != nil {
					t.Fatal(err)
				}
				styleA, _ := a.GetStyle(sa)
				styleB, _ := b.GetStyle(sb)
				if !flagged[[2]string{sh, ref}] {
					if diff := cmp.Diff(styleA, styleB); diff != "" {
						t.Errorf("%s!%s: style changed (-original +copy):\n%s", sh, ref, diff)
					}
					continue
				}
				if got := styleB.Fill.Color; len(got) == 0 || !strings.EqualFold(got[0], "FFC7CE") {
					t.Errorf("%s!%s: fill %v, want FFC7CE", sh, ref, styleB.Fill)
				}
				// The red copy keeps the cell's font, border and format.
				styleA.Fill, styleB.Fill = excelize.Fill{}, excelize.Fill{}
				if diff := cmp.Diff(styleA, styleB); diff != "" {
					t.Errorf("%s!%s: the red style lost the original's (-original +copy):\n%s", sh, ref, diff)
				}
			}
		}
		wa, _ := a.GetColWidth(sh, "G")
		wb, _ := b.GetColWidth(sh, "G")
		if wa != wb {
			t.Errorf("%s: column G width %v, was %v", sh, wb, wa)
		}
	}
	comments := map[string]string{}
	for _, sh := range b.GetSheetList() {
		cs, err := b.GetComments(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			text := c.Text
			for _, r := range c.Paragraph {
				text += r.Text
			}
			comments[sh+"!"+c.Cell] = c.Author + "|" + text
		}
	}
	want := map[string]string{
		SheetRequests + "!E3":  "村干部|待核实\n" + NoteAuthor + "：\n警告（bad_phone）：少一位\n该行退回（bad_date）：第二条",
		SheetRequests + "!C2":  NoteAuthor + "|" + NoteAuthor + "：\n警告（x）：表头",
		SheetRequests + "!M4":  NoteAuthor + "|" + NoteAuthor + "：\n该行退回（bad_state）：状态",
		SheetRequests + "!B40": NoteAuthor + "|" + NoteAuthor + "：\n警告（y）：一行以外",
		SheetCover + "!B2":     NoteAuthor + "|" + NoteAuthor + "：\n整份退回（bad_code）：区划代码",
	}
	if diff := cmp.Diff(want, comments); diff != "" {
		t.Errorf("comments (-want +got):\n%s", diff)
	}
	// The reader reads the copy as it read the original.
	if diff := cmp.Diff(readBytes(orig).Requests, readBytes(copyData).Requests); diff != "" {
		t.Errorf("the copy reads differently (-original +copy):\n%s", diff)
	}
	// Unchanged parts are copied as they were, compressed bytes and all.
	if got, want := rawPart(t, copyData, "xl/sharedStrings.xml"), rawPart(t, orig, "xl/sharedStrings.xml"); !bytes.Equal(got, want) {
		t.Error("the shared strings were recompressed")
	}
}

func trimRows(rows [][]string) [][]string {
	for i, r := range rows {
		for len(r) > 0 && r[len(r)-1] == "" {
			r = r[:len(r)-1]
		}
		rows[i] = r
	}
	for len(rows) > 0 && len(rows[len(rows)-1]) == 0 {
		rows = rows[:len(rows)-1]
	}
	return rows
}

func mergeRefs(ms []excelize.MergeCell) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	slices.Sort(out)
	return out
}

func rawPart(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			r, err := f.OpenRaw()
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(r)
			return b.Bytes()
		}
	}
	t.Fatalf("no part %s", name)
	return nil
}

// TestAnnotateLibreOffice: LibreOffice opens the copy and prints it.
func TestAnnotateLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("libreoffice")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("libreoffice is not installed; .ci/run installs it")
		}
		t.Skip("libreoffice is not installed (apt-get install libreoffice-calc-nogui)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "copy.xlsx")
	data := annotateBytes(t, clerkBook(t), []Note{{SheetRequests, "E3", "警告：少一位"}, {SheetRequests, "M4", "退回"}, {SheetCover, "B2", "x"}})
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--convert-to", "pdf", "--outdir", dir, in)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	if fi, err := os.Stat(filepath.Join(dir, "copy.pdf")); err != nil || fi.Size() == 0 {
		t.Fatalf("no PDF from the copy: %v\n%s", err, out)
	}
}

// TestAnnotateHostile: a file the reader refuses is refused here too, with
// the reader's code, before anything is inflated beyond the limits.
func TestAnnotateHostile(t *testing.T) {
	good := clerkBook(t)
	bomb := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("xl/worksheets/sheet1.xml")
		w.Write(bytes.Repeat([]byte("<row/>"), 30<<20))
		zw.Close()
		return buf.Bytes()
	}()
	for _, tc := range []struct {
		name string
		data []byte
		lim  Limits
		code string
	}{
		{"not a zip", []byte("hello, this is not a workbook"), Limits{}, CodeNotXLSX},
		{"empty", nil, Limits{}, CodeNotXLSX},
		{"encrypted", append(slices.Clone(oleMagic), utf16le("EncryptionInfo")...), Limits{}, CodeEncrypted},
		{"over the unzipped limit", bomb, Limits{MaxUnzippedBytes: 1 << 20}, CodeTooLarge},
		{"over the file size limit", good, Limits{MaxFileBytes: 1000}, CodeTooLarge},
		{"sheet cut short", patchXLSX(t, good, "worksheets/sheet4.xml", "</sheetData>", `<row r="9`), Limits{}, CodeNotXLSX},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Annotate(&out, bytes.NewReader(tc.data), int64(len(tc.data)), tc.lim, []Note{{SheetRequests, "E3", "x"}})
			var p *fileProblem
			if !errors.As(err, &p) || p.Code != tc.code {
				t.Fatalf("got %v, want a %s problem", err, tc.code)
			}
		})
	}
}

// TestAnnotateManyCells: beyond maxComments, cells are filled without a
// comment; the copy stays small and opens.
func TestAnnotateManyCells(t *testing.T) {
	fs := stdForm(Version2022)
	var notes []Note
	for i := range 600 {
		fs.requests = append(fs.requests, []any{i + 3, "GD" + xlsx.CellRef(1, i+1)})
		notes = append(notes, Note{SheetRequests, xlsx.CellRef(2, i+4), "a"}, Note{SheetRequests, xlsx.CellRef(3, i+4), "b"})
	}
	data := annotateBytes(t, fs.build(t), notes)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cs, _ := f.GetComments(SheetRequests)
	if len(cs) != 1000 { // xlsx.maxComments
		t.Errorf("%d comments, want %d", len(cs), 1000)
	}
	st, _ := f.GetCellStyle(SheetRequests, "C603")
	style, _ := f.GetStyle(st)
	if len(style.Fill.Color) == 0 {
		t.Error("a cell beyond the comment limit is not filled")
	}
}

func BenchmarkAnnotate(b *testing.B) {
	data := bigForm(b, 200)
	notes := []Note{{SheetOrgs, "E5", "组建方式与第一行不同"}, {SheetOrgs, "E9", "组建方式与第一行不同"}}
	for i := range 8 {
		notes = append(notes, Note{SheetRequests, xlsx.CellRef(5, 10+i*7), "联系电话少一位"})
	}
	var out bytes.Buffer
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := Annotate(&out, bytes.NewReader(data), int64(len(data)), Limits{}, notes); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAnnotateRandomCells: flagged cells anywhere (in rows the sheet has,
// rows it skips, beyond its end, left and right of its cells) are filled and
// no other cell is.
func TestAnnotateRandomCells(t *testing.T) {
	fs := stdForm(Version2022)
	for i := range 60 {
		if i%7 == 3 {
			fs.requests = append(fs.requests, nil) // a row the sheet does not have
			continue
		}
		fs.requests = append(fs.requests, []any{i + 3, fmt.Sprint("GD", i), nil, nil, "x"})
	}
	orig := fs.build(t)
	for seed := range 20 {
		rnd := rand.New(rand.NewPCG(uint64(seed), 7))
		want := map[string]bool{}
		var notes []Note
		for range 1 + rnd.IntN(12) {
			ref := xlsx.CellRef(1+rnd.IntN(18), 1+rnd.IntN(75))
			want[ref] = true
			notes = append(notes, Note{SheetRequests, ref, "n"})
		}
		f, err := excelize.OpenReader(bytes.NewReader(annotateBytes(t, orig, notes)))
		if err != nil {
			t.Fatal(err)
		}
		for r := 1; r <= 76; r++ {
			for c := 1; c <= 19; c++ {
				ref := xlsx.CellRef(c, r)
				id, err := f.GetCellStyle(SheetRequests, ref)
				if err != nil {
					t.Fatal(err)
				}
				st, _ := f.GetStyle(id)
				red := len(st.Fill.Color) > 0 && strings.EqualFold(st.Fill.Color[0], "FFC7CE")
				if red != want[ref] {
					t.Errorf("seed %d: %s filled %v, flagged %v", seed, ref, red, want[ref])
				}
			}
		}
		cs, _ := f.GetComments(SheetRequests)
		if len(cs) != len(want) {
			t.Errorf("seed %d: %d comments for %d cells", seed, len(cs), len(want))
		}
		f.Close()
	}
}
