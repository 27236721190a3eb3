package form

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"
)

func TestFileLevel(t *testing.T) {
	good := stdForm(Version2022).build(t)
	encrypted := func() []byte {
		f, err := excelize.OpenReader(bytes.NewReader(good))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf, excelize.Options{Password: "secret"}); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}()
	fakeXLS := append(append([]byte{}, oleMagic...), make([]byte, 504)...)
	fakeXLS = append(fakeXLS, utf16le("Workbook")...)
	cases := []struct {
		name string
		data []byte
		opt  Options
		code string
		msg  string // a part of the message
	}{
		{"empty file", nil, Options{}, CodeNotXLSX, ""},
		{"text file", []byte("单位名称,区划代码\n龙象社区,450109100201\n"), Options{}, CodeNotXLSX, ""},
		{"truncated zip", good[:len(good)/2], Options{}, CodeNotXLSX, ""},
		{"renamed .xls", fakeXLS, Options{}, CodeNotXLSX, ".xls"},
		{"password-protected", encrypted, Options{}, CodeEncrypted, "密码"},
		{"over the unzipped limit", good, Options{Limits: Limits{MaxUnzippedBytes: 2000}}, CodeTooLarge, ""},
		{"over the file size limit", good, Options{Limits: Limits{MaxFileBytes: 100}}, CodeTooLarge, ""},
		{"over the row limit", good, Options{Limits: Limits{MaxRows: 2}}, CodeTooLarge, ""},
		{"over the cell limit", good, Options{Limits: Limits{MaxCellChars: 5}}, CodeTooLarge, ""},
		{"over the shared strings limit", good, Options{Limits: Limits{MaxSharedStrings: 3}}, CodeTooLarge, ""},
		{"damaged entry", corruptStored(t, good), Options{}, CodeNotXLSX, "损坏"},
		{"entry shorter than declared", lyingSize(t, good), Options{}, CodeNotXLSX, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := Read(bytes.NewReader(tc.data), int64(len(tc.data)), "x.xlsx", tc.opt)
			if !f.Rejected || len(f.Issues) != 1 || f.Issues[0].Code != tc.code || f.Issues[0].Severity != SeverityFile {
				t.Fatalf("got rejected=%v issues %v", f.Rejected, f.Issues)
			}
			if !strings.Contains(f.Issues[0].Message, tc.msg) {
				t.Errorf("message %q lacks %q", f.Issues[0].Message, tc.msg)
			}
		})
	}
}

// rezip rewrites a package with every entry stored (not compressed), so that
// tests can damage bytes in place; edit may change each entry's content and
// header.
func rezip(t testing.TB, data []byte, edit func(h *zip.FileHeader, b []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		h := &zip.FileHeader{Name: f.Name, Method: zip.Store}
		if edit != nil {
			b = edit(h, b)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	zw.Close()
	return buf.Bytes()
}

// corruptStored changes one byte of a stored worksheet: its checksum fails.
func corruptStored(t *testing.T, data []byte) []byte {
	out := rezip(t, data, nil)
	i := bytes.Index(out, []byte("<sheetData>"))
	if i < 0 {
		t.Fatal("no sheetData")
	}
	out[i+1] = 'X'
	return out
}

// lyingSize stores the workbook part with a raw writer whose declared size is
// larger than its content.
func lyingSize(t *testing.T, data []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		h := f.FileHeader
		if f.Name == "xl/workbook.xml" {
			h.Method = zip.Store
			h.CRC32 = f.CRC32
			h.CompressedSize64 = uint64(len(b))
			h.UncompressedSize64 = uint64(len(b)) + 10
			w, err := zw.CreateRaw(&h)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(b)
			w.Write(make([]byte, 10)) // compressed = stored bytes: declared 10 more than the XML
			continue
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		w.Write(b)
	}
	zw.Close()
	return buf.Bytes()
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.xlsx")
	if err := os.WriteFile(p, stdForm(Version2021).build(t), 0o644); err != nil {
		t.Fatal(err)
	}
	f := ReadFile(p, "村/a.xlsx", Options{})
	if f.Rejected || f.Path != "村/a.xlsx" || len(f.Requests) != 2 {
		t.Errorf("%+v", f)
	}
	f = ReadFile(filepath.Join(dir, "missing.xlsx"), "missing.xlsx", Options{})
	if !f.Rejected || f.Issues[0].Code != CodeNotXLSX {
		t.Errorf("%+v", f.Issues)
	}
}

func TestSheetNamesAndLayout(t *testing.T) {
	fs := stdForm(Version2022)
	sheets := []sheetSpec{
		{name: "说明", rows: [][]any{{"不是报表"}}},
		{name: " 基本信息 ", rows: fs.cover},
		{name: "组织覆盖（3月）", rows: fs.orgs, hidden: true},
		{name: "议事记录(3月)", rows: fs.meetings},
		{name: "点单台账3月", rows: fs.requests},
	}
	f := readBytes(buildXLSX(t, sheets...))
	if f.Rejected || len(f.Issues) != 0 {
		t.Fatalf("issues: %v", f.Issues)
	}
	want := SheetNames{Cover: " 基本信息 ", Orgs: "组织覆盖（3月）", Meetings: "议事记录(3月)", Requests: "点单台账3月"}
	if diff := cmp.Diff(want, f.Sheets); diff != "" {
		t.Error(diff)
	}
	if len(f.Orgs) != 2 || len(f.Meetings) != 1 || len(f.Requests) != 2 {
		t.Errorf("rows: %d %d %d", len(f.Orgs), len(f.Meetings), len(f.Requests))
	}
}

func TestExactSheetNameWins(t *testing.T) {
	fs := stdForm(Version2022)
	old := stdRequests(Version2022)
	old = set(old, "B3", "OLD1")
	f := readBytes(buildXLSX(t,
		sheetSpec{name: SheetCover, rows: fs.cover}, sheetSpec{name: SheetOrgs, rows: fs.orgs},
		sheetSpec{name: "点单台账（2月）", rows: old}, sheetSpec{name: SheetRequests, rows: fs.requests}))
	wantEq(t, f.Sheets.Requests, SheetRequests)
	wantEq(t, f.Requests[0].ID, "DD001")
}

// TestRawCells covers cell encodings excelize does not write: formulas with
// cached values, t="d", inline strings, booleans, the 1904 date system.
func TestRawCells(t *testing.T) {
	fs := stdForm(Version2022)
	fs.requests = set(fs.requests, "C3", num("987601"))
	fs.requests = set(fs.requests, "C4", num("987602"))
	fs.requests = set(fs.requests, "F3", num("987603"))
	fs.requests = set(fs.requests, "M3", true)
	fs.requests = set(fs.requests, "H3", fmtNum{44260.5, `yyyy"年"m"月"d"日"`})
	data := fs.build(t)
	data = patchXLSX(t, data, "worksheets/sheet4.xml", "<v>987601</v>", "<f>DATE(2021,3,1)</f><v>44256</v>")
	data = patchXLSX(t, data, "worksheets/sheet4.xml", `r="C4"><v>987602</v>`, `r="C4" t="d"><v>2021-03-02T16:00:00Z</v>`)
	data = patchXLSX(t, data, "worksheets/sheet4.xml", `r="F3"><v>987603</v>`, `r="F3" t="inlineStr"><is><r><t>设施</t></r><r><t>维修</t></r><rPh><t>ふ</t></rPh></is>`)
	f := readBytes(data)
	if len(f.Issues) != 0 {
		t.Fatalf("issues: %v", f.Issues)
	}
	r := f.Requests
	wantEq(t, r[0].RequestedOn, d(2021, 3, 1))
	wantEq(t, r[1].RequestedOn, d(2021, 3, 3))
	wantEq(t, r[0].Category, "设施维修")
	wantEq(t, r[0].Dispute.V, true)
	wantEq(t, r[0].DispatchedOn, d(2021, 3, 5))

	// The 1904 date system shifts every serial by 1462 days.
	fs = stdForm(Version2022)
	fs.requests = set(fs.requests, "C3", fmtNum{44256 - 1462, "yyyy-mm-dd"})
	data = patchXLSX(t, fs.build(t), "xl/workbook.xml", "<workbookPr", `<workbookPr date1904="1"`)
	f = readBytes(data)
	wantEq(t, f.Requests[0].RequestedOn, d(2021, 3, 1))
}

// Both versions of the form holding the same data read to the same Form,
// but for what only 2022版 has and the version itself.
func TestVersionsReadAlike(t *testing.T) {
	a := readBytes(stdForm(Version2021).build(t))
	b := readBytes(stdForm(Version2022).build(t))
	wantEq(t, a.Version, Version2021)
	wantEq(t, b.Version, Version2022)
	ignore := cmp.Options{
		cmpopts.IgnoreFields(Form{}, "Version"),
		cmpopts.IgnoreFields(Request{}, "GridWorker", "AcceptedOn"),
		cmpopts.IgnoreFields(OrgRow{}, "Members"),
	}
	if diff := cmp.Diff(a, b, ignore); diff != "" {
		t.Errorf("2021版 vs 2022版 (-2021 +2022):\n%s", diff)
	}
}

func TestUnknownCodeIssue(t *testing.T) {
	f := readBytes(stdForm(Version2022).build(t))
	i := UnknownCodeIssue(f)
	want := Issue{Path: "t.xlsx", Sheet: SheetCover, Cell: "B3", Code: CodeUnknownCode, Severity: SeverityFile, Value: "450109100201", Message: i.Message}
	if diff := cmp.Diff(want, i); diff != "" || !strings.Contains(i.Message, "450109100201") {
		t.Error(diff, i.Message)
	}
	f.Add(i)
	wantEq(t, f.Rejected, true)
}

// Two parts under one name are refused: which one a program shows is a guess.
func TestDuplicatePartNames(t *testing.T) {
	data := stdForm(Version2022).build(t)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		w, _ := zw.Create(f.Name)
		w.Write(b)
		if f.Name == "xl/workbook.xml" {
			w, _ := zw.Create("XL/Workbook.xml")
			w.Write(b)
		}
	}
	zw.Close()
	f := readBytes(buf.Bytes())
	if !f.Rejected || len(f.Issues) != 1 || f.Issues[0].Code != CodeNotXLSX {
		t.Errorf("got %+v, want one not_xlsx issue", f.Issues)
	}
}

// A read that stops part-way (the row limit here) reports the one reason:
// the rows and row issues before it are an arbitrary part of the file.
func TestStoppedReadKeepsOnlyTheReason(t *testing.T) {
	fs := stdForm(Version2022)
	for i := range 10 {
		fs.requests = append(fs.requests, []any{i + 3, fmt.Sprint("X", i), "不是日期", "", "", "", "", nil, "", nil, nil, "不知道"})
	}
	data := fs.build(t)
	f := Read(bytes.NewReader(data), int64(len(data)), "t.xlsx", Options{Limits: Limits{MaxRows: 8}})
	if !f.Rejected || len(f.Issues) != 1 || f.Issues[0].Code != CodeTooLarge || len(f.Requests) != 0 || f.Rows != (RowCounts{}) {
		t.Errorf("got %d issues (%v), %d requests, rows %+v; want only too_large", len(f.Issues), f.Issues, len(f.Requests), f.Rows)
	}
}

// oleMagic starts an OLE container: an encrypted .xlsx or an old .xls.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// utf16le is an ASCII stream name as an OLE directory spells it.
func utf16le(s string) []byte {
	var b []byte
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}
