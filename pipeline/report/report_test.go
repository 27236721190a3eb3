package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"html"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"grassroots/pipeline/calendar"
	"grassroots/pipeline/form"
	"grassroots/pipeline/warehouse/warehousetest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// testRegistry: a city, two districts, three townships. 平安村 never
// reports; 新村 sends a rejected form and one whose cover cannot be read.
const testRegistry = `code,name,level,parent_code
450100000000,南宁市,city,
450109000000,邕宁区,district,450100000000
450109100000,那楼镇,township,450109000000
450109100201,龙象社区,community,450109100000
450109100202,那楼社区,community,450109100000
450109100203,平安村,village,450109100000
450109200000,蒲庙镇,township,450109000000
450109200201,新村,village,450109200000
450110000000,武鸣区,district,450100000000
450110100000,城厢镇,township,450110000000
450110100201,东风村,village,450110100000
450110100202,西江村,village,450110100000
`

// The phone numbers of the test data that must never reach a summary:
// residents' phones and a phone inside an issue.
var privatePhones = []string{"13912345678", "13812345678", "07715559876"}

// runNow is the batch's run time in the tests.
var runNow = time.Date(2021, 4, 10, 2, 0, 0, 0, calendar.Shanghai)

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func at(s string) time.Time {
	d, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Shanghai)
	if err != nil {
		panic(err)
	}
	return d
}

func newForm(code, period, filledBy, phone string) *form.Form {
	return &form.Form{Version: "2022版",
		Cover: form.Cover{Code: code, Period: period, UnitName: code, CodeCell: "B3", PeriodCell: "B4",
			FilledBy: filledBy, Phone: phone, Council: sql.Null[bool]{V: true, Valid: true}},
		Sheets: form.SheetNames{Cover: "基本信息", Orgs: "组织覆盖", Requests: "点单台账"}}
}

// requests makes n requests of month: the first resolved ones are resolved
// 3 days later, of which the first satisfied ones are rated 满意 and the
// rest 不满意. Every request carries a resident's name and phone.
func requests(prefix, month string, n, resolved, satisfied int) []form.Request {
	var out []form.Request
	for i := range n {
		on := day(month+"-01").AddDate(0, 0, i%28)
		q := form.Request{Row: i + 2, ID: fmt.Sprintf("%s%03d", prefix, i), RequestedOn: on,
			RequestedOnCell: fmt.Sprintf("B%d", i+2), State: form.StateInProgress,
			Resident: "王五", Phone: "13912345678", Content: "路灯不亮"}
		if i < resolved {
			q.State = form.StateResolved
			q.ResolvedOn = on.AddDate(0, 0, 3)
			q.Rating = "不满意"
			if i < satisfied {
				q.Rating = "满意"
			}
		}
		out = append(out, q)
	}
	return out
}

func orgs(withOrg, without int) []form.OrgRow {
	var out []form.OrgRow
	for i := range withOrg + without {
		out = append(out, form.OrgRow{Row: i + 2, Name: fmt.Sprintf("小区%d", i), Type: form.UnitResidential,
			HasOrg: i < withOrg, HowFormed: form.FormedStandalone, OrgName: fmt.Sprintf("小区%d党支部", i)})
	}
	return out
}

// clerkWorkbook is 龙象社区's own March workbook, put in the inbox so that
// an annotated copy can be made; it returns its sha256.
func clerkWorkbook(t *testing.T, inbox, rel string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "基本信息"))
	_, err := f.NewSheet("点单台账")
	must(err)
	must(f.SetSheetRow("基本信息", "A3", &[]any{"统计用区划代码", "450109100201"}))
	must(f.SetSheetRow("基本信息", "A7", &[]any{"备注", `=HYPERLINK("http://x","y")`}))
	must(f.SetSheetRow("点单台账", "A1", &[]any{"单号", "点单日期", "点单人", "内容", "状态", "联系电话"}))
	must(f.SetSheetRow("点单台账", "A9", &[]any{"LX7", "2021-03-07", "王五", "修路", "已办结", "1381234567"}))
	must(f.SetSheetRow("点单台账", "A10", &[]any{"LX8", "2021-03-08", "王五", "修路", "已办结", "13812345678x"}))
	must(f.AddComment("点单台账", excelize.Comment{Cell: "F9", Author: "村干部", Text: "待核实"}))
	p := filepath.Join(inbox, filepath.FromSlash(rel))
	must(os.MkdirAll(filepath.Dir(p), 0o755))
	must(f.SaveAs(p))
	data, err := os.ReadFile(p)
	must(err)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// testWarehouse builds a warehouse from hand-made forms (as
// pipeline/warehouse's tests do) and an inbox holding one real workbook.
func testWarehouse(t *testing.T) (db *sql.DB, inbox string) {
	t.Helper()
	inbox = filepath.Join(t.TempDir(), "inbox")
	w, reg := emptyWarehouse(t)

	lxSHA := clerkWorkbook(t, inbox, "那楼镇/龙象社区3月.xlsx")

	lxFeb := newForm("450109100201", "2021-02", "张三", "13700001111")
	lxFeb.Requests = requests("LF", "2021-02", 8, 6, 6)
	dfFeb := newForm("450110100201", "2021-02", "赵六", "0771-5552222")
	dfFeb.Requests = requests("DF", "2021-02", 4, 4, 4)
	dfFeb.Orgs = orgs(2, 0)

	lxEarly := newForm("450109100201", "2021-03", "张三", "13700001111")
	lxEarly.Requests = requests("LX", "2021-03", 5, 5, 5)
	lxEarly.Issues = []form.Issue{{Sheet: "点单台账", Cell: "G2", Code: "bad_rating", Severity: form.SeverityWarning,
		Value: "很好", Message: "评价“很好”不是可选项"}}

	lx := newForm("450109100201", "2021-03", "张三", "13700001111")
	lx.Requests = requests("LX", "2021-03", 10, 9, 9)
	lx.Orgs = orgs(3, 0)
	lx.Issues = []form.Issue{
		{Sheet: "点单台账", Cell: "F10", Code: "bad_phone", Severity: form.SeverityWarning,
			Value: "13812345678x", Message: "联系电话“13812345678x”不是手机号或固定电话，请改为13812345678这样的号码"},
		{Sheet: "点单台账", Cell: "F9", Code: "bad_phone", Severity: form.SeverityWarning,
			Value: "1381234567", Message: "联系电话“1381234567”少一位"},
		{Sheet: "点单台账", Cell: "AA3", Code: "bad_state", Severity: form.SeverityRow,
			Value: "办完了", Message: "状态“办完了”不是可选项，该行不计入"},
		{Sheet: "基本信息", Cell: "B7", Code: "bad_text", Severity: form.SeverityWarning,
			Value: `=HYPERLINK("http://x","y")`, Message: "备注不能是公式"},
	}

	nl := newForm("450109100202", "2021-03", "=1+1", "0771-5551234")
	nl.Requests = requests("NL", "2021-03", 4, 4, 4)

	xc := newForm("450109200201", "2021-03", "-李四", "+8613600002222")
	xc.Rejected = true
	xc.Issues = []form.Issue{{Sheet: "", Cell: "", Code: "missing_sheet", Severity: form.SeverityFile,
		Message: "缺少工作表“组织覆盖”，如有疑问请致电0771-5559876"}}

	unreadable := newForm("", "", "", "")
	unreadable.Rejected = true
	unreadable.Issues = []form.Issue{{Sheet: "基本信息", Cell: "B4", Code: "bad_period", Severity: form.SeverityFile,
		Value: "2021年13月", Message: "报告期“2021年13月”不是有效的年月"}}

	df := newForm("450110100201", "2021-03", "@赵六", "0771-5552222")
	df.Requests = requests("DF", "2021-03", 10, 5, 3)
	df.Orgs = orgs(1, 1)

	xj := newForm("450110100202", "2021-03", "钱七", "13500003333")
	xj.Requests = requests("XJ", "2021-03", 2, 2, 2)

	files := []warehousetest.Upload{
		{Path: "那楼镇/龙象社区2月.xlsx", Received: at("2021-03-03 09:00"), Form: lxFeb},
		{Path: "城厢镇/东风村2月.xlsx", Received: at("2021-03-04 09:00"), Form: dfFeb},
		{Path: "那楼镇/龙象社区3月-初稿.xlsx", Received: at("2021-04-01 09:00"), Form: lxEarly},
		{Path: "那楼镇/龙象社区3月.xlsx", SHA256: lxSHA, Received: at("2021-04-02 10:00"), Form: lx},
		{Path: "那楼镇/那楼社区.xlsx", Received: at("2021-04-06 09:00"), Form: nl},
		{Path: "蒲庙镇/新村.xlsx", Received: at("2021-04-03 09:00"), Form: xc},
		{Path: "蒲庙镇/新村报表(1).xlsx", Received: at("2021-04-04 09:00"), Form: unreadable},
		{Path: "城厢镇/东风村.xlsx", Received: at("2021-04-03 11:00"), Form: df},
		{Path: "城厢镇/西江村.xlsx", Received: at("2021-04-05 23:00"), Form: xj},
		{Path: "城厢镇/~$西江村.xlsx", Received: at("2021-04-05 23:00"), Ignored: "office_lock_file"},
	}
	warehousetest.Load(t, w, reg, inbox, at("2021-04-10 02:00"), files...)
	return w.DB(), inbox
}

func writeReports(t *testing.T, db *sql.DB, inbox string, now time.Time) (string, Result) {
	t.Helper()
	out := t.TempDir()
	res, err := Write(context.Background(), db, Options{OutDir: out, Now: now, InboxDir: inbox,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return out, res
}

// TestWrite compares every workbook written for the test warehouse with
// its golden dump, and the list of files with files.golden.
func TestWrite(t *testing.T) {
	db, inbox := testWarehouse(t)
	start := time.Now()
	out, res := writeReports(t, db, inbox, runNow)
	t.Logf("Write: %v", time.Since(start))
	if res.Period != "2021-03" {
		t.Errorf("period %q, want the newest with an accepted form, 2021-03", res.Period)
	}
	var listed []string
	for _, p := range slices.Concat([]string{res.Summary}, res.Townships, res.Feedback, res.Annotated) {
		rel, _ := filepath.Rel(out, p)
		listed = append(listed, filepath.ToSlash(rel))
	}
	var found []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			found = append(found, filepath.ToSlash(rel))
		}
		return err
	})
	slices.Sort(found)
	manifests := []string{"feedback/" + manifestName, "townships/" + manifestName}
	workbooks := slices.DeleteFunc(slices.Clone(found), func(rel string) bool { return slices.Contains(manifests, rel) })
	if len(workbooks) != len(found)-len(manifests) {
		t.Errorf("not every one of %q among %q", manifests, found)
	}
	if diff := cmp.Diff(workbooks, slices.Sorted(slices.Values(listed))); diff != "" {
		t.Errorf("workbooks on disk (-) and in Result (+):\n%s", diff)
	}
	if len(res.Unchanged) > 0 || len(res.Removed) > 0 || len(res.TownshipsUnchanged) > 0 || len(res.TownshipsRemoved) > 0 {
		t.Errorf("a first run kept %q %q and removed %q %q", res.Unchanged, res.TownshipsUnchanged, res.Removed, res.TownshipsRemoved)
	}
	golden(t, "files.golden", strings.Join(found, "\n")+"\n")
	for _, rel := range workbooks {
		t.Run(rel, func(t *testing.T) {
			golden(t, strings.ReplaceAll(strings.TrimSuffix(rel, ".xlsx"), "/", "_")+".golden",
				dumpWorkbook(t, filepath.Join(out, rel)))
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", p, diff)
	}
}

// TestDeterministic: the same warehouse and Now give byte-identical files.
func TestDeterministic(t *testing.T) {
	db, inbox := testWarehouse(t)
	a, _ := writeReports(t, db, inbox, runNow)
	b, _ := writeReports(t, db, inbox, runNow)
	n := 0
	filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs (%v)", rel, err)
		}
		n++
		return nil
	})
	if n < 5 {
		t.Errorf("only %d files compared", n)
	}
}

// TestDefaultPeriod: the newest month with an accepted form, not after
// the batch's month.
func TestDefaultPeriod(t *testing.T) {
	db, _ := testWarehouse(t)
	tests := []struct {
		now  time.Time
		want string
	}{
		{runNow, "2021-03"},
		{time.Date(2021, 3, 31, 23, 0, 0, 0, calendar.Shanghai), "2021-03"},
		// 1 March 00:30 in Shanghai is still February in UTC: Shanghai's month counts.
		{time.Date(2021, 3, 1, 0, 30, 0, 0, calendar.Shanghai), "2021-03"},
		{time.Date(2021, 2, 28, 12, 0, 0, 0, calendar.Shanghai), "2021-02"},
		{time.Date(2021, 1, 15, 12, 0, 0, 0, calendar.Shanghai), ""},
	}
	for _, tt := range tests {
		t.Run(tt.now.Format(time.RFC3339), func(t *testing.T) {
			got, err := DefaultPeriod(context.Background(), db, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPrivacyAndText checks what officials and clerks see: no resident's
// phone in a summary, clerks' text never a live formula, every expected unit
// in 报送情况, masked phones in feedback.
func TestPrivacyAndText(t *testing.T) {
	db, inbox := testWarehouse(t)
	out, res := writeReports(t, db, inbox, runNow)

	t.Run("no private phone in summaries", func(t *testing.T) {
		for _, p := range append([]string{res.Summary}, res.Townships...) {
			for _, c := range allCells(t, p) {
				digits := strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, c.value)
				for _, phone := range privatePhones {
					if strings.Contains(digits, phone) || strings.Contains(c.value, phone[len(phone)-7:]) {
						t.Errorf("%s: %s!%s shows the phone %s: %q", filepath.Base(p), c.sheet, c.cell, phone, c.value)
					}
				}
				if strings.Contains(c.value, "王五") {
					t.Errorf("%s: %s!%s shows a resident's name", filepath.Base(p), c.sheet, c.cell)
				}
			}
		}
	})

	t.Run("clerks' phones in 报送情况", func(t *testing.T) {
		var seen []string
		for _, c := range allCells(t, res.Summary) {
			if c.sheet == sheetReporting && c.col == 14 && c.row > 2 {
				seen = append(seen, c.value)
			}
		}
		for _, want := range []string{"13700001111", "0771-5551234", "0771-5552222"} {
			if !slices.Contains(seen, want) {
				t.Errorf("clerk's phone %s not in 报送情况 (got %q)", want, seen)
			}
		}
	})

	t.Run("every expected unit in 报送情况", func(t *testing.T) {
		var got []string
		for _, c := range allCells(t, res.Summary) {
			if c.sheet == sheetReporting && c.col == 3 && c.row > 2 {
				got = append(got, c.value)
			}
		}
		want := []string{"450109100201", "450109100202", "450109100203", "450109200201", "450110100201", "450110100202"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("units of 报送情况 (-want +got):\n%s", diff)
		}
	})

	t.Run("formula-looking text stays text", func(t *testing.T) {
		check := func(path, sheet, want string) {
			t.Helper()
			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, c := range cellsOf(t, f, sheet) {
				if c.value != want {
					continue
				}
				formula, _ := f.GetCellFormula(sheet, c.cell)
				typ, _ := f.GetCellType(sheet, c.cell)
				if formula != "" || (typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString) {
					t.Errorf("%s!%s %q: formula %q, type %v; want text", sheet, c.cell, want, formula, typ)
				}
				return
			}
			t.Errorf("%s: %q not found in %s", filepath.Base(path), want, sheet)
		}
		check(res.Summary, sheetReporting, "=1+1")
		check(res.Summary, sheetReporting, "-李四")
		check(res.Summary, sheetReporting, "@赵六")
		lx := filepath.Join(out, "feedback", "450109100201-2021-03-"+first(sha256Of(t, filepath.Join(inbox, "那楼镇/龙象社区3月.xlsx")), 8)+".xlsx")
		check(lx, feedbackSheet, `=HYPERLINK("http://x","y")`)
	})

	t.Run("masked phones in feedback", func(t *testing.T) {
		var all []string
		for _, p := range res.Feedback {
			for _, c := range allCells(t, p) {
				all = append(all, c.value)
			}
		}
		text := strings.Join(all, "\n")
		for _, want := range []string{"138****5678x", "请改为138****5678这样的号码", "请致电077****9876"} {
			if !strings.Contains(text, want) {
				t.Errorf("feedback lacks %q", want)
			}
		}
		for _, phone := range privatePhones {
			if strings.Contains(text, phone) {
				t.Errorf("feedback shows %s unmasked", phone)
			}
		}
	})
}

func sha256Of(t *testing.T, p string) string {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

type cellValue struct {
	sheet, cell string
	col, row    int
	value       string
}

func allCells(t *testing.T, path string) []cellValue {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []cellValue
	for _, sh := range f.GetSheetList() {
		out = append(out, cellsOf(t, f, sh)...)
	}
	return out
}

func cellsOf(t *testing.T, f *excelize.File, sheet string) []cellValue {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []cellValue
	for r, row := range rows {
		for c, v := range row {
			if v != "" {
				out = append(out, cellValue{sheet, cellName(c+1, r+1), c + 1, r + 1, v})
			}
		}
	}
	return out
}

var (
	chartKind = regexp.MustCompile(`<(?:c:)?(barChart|lineChart|pieChart|areaChart|scatterChart)>`)
	barDir    = regexp.MustCompile(`<(?:c:)?barDir val="(\w+)"`)
	formulaRe = regexp.MustCompile(`<(?:c:)?f>([^<]*)</(?:c:)?f>`)
)

// dumpWorkbook is a workbook as text for golden files: document
// properties, then per sheet its panes, column widths, merged ranges,
// comments and every non-empty cell as `A1 <type> [<number format>] value`
// (with the formula if any), then the charts with their type and the ranges
// they draw.
func dumpWorkbook(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "props: created=%s modified=%s creator=%s title=%s\n", props.Created, props.Modified, props.Creator, props.Title)
	for _, dn := range f.GetDefinedName() {
		fmt.Fprintf(&b, "defined name: %s scope=%s %s\n", dn.Name, dn.Scope, dn.RefersTo)
	}
	for _, sh := range f.GetSheetList() {
		fmt.Fprintf(&b, "\n== sheet %s\n", sh)
		panes, err := f.GetPanes(sh)
		if err != nil {
			t.Fatal(err)
		}
		if panes.Freeze {
			fmt.Fprintf(&b, "frozen: x=%d y=%d top-left=%s\n", panes.XSplit, panes.YSplit, panes.TopLeftCell)
		}
		if props, err := f.GetSheetProps(sh); err == nil && props.FitToPage != nil && *props.FitToPage {
			pl, err := f.GetPageLayout(sh)
			if err != nil {
				t.Fatal(err)
			}
			m, err := f.GetPageMargins(sh)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "page: paper=%d %s fit to %d wide, %d tall; margins l=%g r=%g t=%g b=%g\n",
				*pl.Size, *pl.Orientation, *pl.FitToWidth, *pl.FitToHeight, *m.Left, *m.Right, *m.Top, *m.Bottom)
		}
		cols, _ := f.GetCols(sh)
		var widths []string
		for i := range cols {
			w, _ := f.GetColWidth(sh, colName(i+1))
			widths = append(widths, fmt.Sprintf("%s=%g", colName(i+1), w))
		}
		fmt.Fprintf(&b, "widths: %s\n", strings.Join(widths, " "))
		merged, _ := f.GetMergeCells(sh)
		for _, m := range merged {
			fmt.Fprintf(&b, "merged: %s:%s\n", m.GetStartAxis(), m.GetEndAxis())
		}
		comments, _ := f.GetComments(sh)
		for _, c := range comments {
			text := c.Text
			for _, p := range c.Paragraph {
				text += p.Text
			}
			fmt.Fprintf(&b, "comment %s by %s: %q\n", c.Cell, c.Author, text)
		}
		for _, c := range cellsOf(t, f, sh) {
			fmt.Fprintf(&b, "%s %s\n", c.cell, describeCell(t, f, sh, c))
		}
	}
	b.WriteString(dumpCharts(t, path))
	return b.String()
}

func describeCell(t *testing.T, f *excelize.File, sheet string, c cellValue) string {
	typ, err := f.GetCellType(sheet, c.cell)
	if err != nil {
		t.Fatal(err)
	}
	kind := map[excelize.CellType]string{
		excelize.CellTypeUnset: "n", excelize.CellTypeNumber: "n", excelize.CellTypeBool: "b",
		excelize.CellTypeDate: "d", excelize.CellTypeError: "e", excelize.CellTypeFormula: "f",
		excelize.CellTypeInlineString: "s", excelize.CellTypeSharedString: "s",
	}[typ]
	var parts []string
	parts = append(parts, kind)
	id, _ := f.GetCellStyle(sheet, c.cell)
	if st, err := f.GetStyle(id); err == nil && id != 0 {
		switch {
		case st.CustomNumFmt != nil:
			parts = append(parts, "["+*st.CustomNumFmt+"]")
		case st.NumFmt != 0:
			parts = append(parts, fmt.Sprintf("[numFmt %d]", st.NumFmt))
		}
		if len(st.Fill.Color) > 0 {
			parts = append(parts, "fill="+strings.Join(st.Fill.Color, ","))
		}
	}
	if formula, _ := f.GetCellFormula(sheet, c.cell); formula != "" {
		parts = append(parts, "formula="+formula)
	}
	return strings.Join(parts, " ") + " " + fmt.Sprintf("%q", c.value)
}

// dumpCharts lists the workbook's chart parts, from the zip, with their
// type and the cell ranges they draw, and which sheets have a drawing.
func dumpCharts(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	var names []string
	f.Pkg.Range(func(k, _ any) bool {
		if name := k.(string); strings.HasPrefix(name, "xl/charts/chart") {
			names = append(names, name)
		}
		return true
	})
	slices.Sort(names)
	for _, name := range names {
		v, _ := f.Pkg.Load(name)
		xml := string(v.([]byte))
		kind := "?"
		if m := chartKind.FindStringSubmatch(xml); m != nil {
			kind = m[1]
		}
		if m := barDir.FindStringSubmatch(xml); m != nil {
			kind += " (" + m[1] + ")"
		}
		fmt.Fprintf(&b, "\n== chart %s: %s\n", name, kind)
		for _, m := range formulaRe.FindAllStringSubmatch(xml, -1) {
			fmt.Fprintf(&b, "  %s\n", html.UnescapeString(m[1]))
		}
	}
	return b.String()
}

// TestWriteFailsCleanly: when a workbook cannot be written, Write returns
// the error and leaves neither a workbook nor a temporary file behind.
func TestWriteFailsCleanly(t *testing.T) {
	db, inbox := testWarehouse(t)
	out := t.TempDir()
	// feedback/ is a file: the feedback workbooks cannot be written, after
	// the summary and township workbooks were.
	if err := os.WriteFile(filepath.Join(out, "feedback"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Write(context.Background(), db, Options{OutDir: out, Now: runNow, InboxDir: inbox, Log: slog.New(slog.DiscardHandler)})
	if err == nil {
		t.Fatal("Write succeeded with feedback/ a file")
	}
	if res.Summary != "" || len(res.Townships) > 0 || len(res.Feedback) > 0 {
		t.Errorf("Result lists files after an error: %+v", res)
	}
	var left []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != "feedback" {
			left = append(left, p)
		}
		return err
	})
	if len(left) > 0 {
		t.Errorf("left behind: %q", left)
	}
}

// TestPeriodWithoutData: a month the warehouse has nothing for still lists
// every expected unit as not reported.
func TestPeriodWithoutData(t *testing.T) {
	db, _ := testWarehouse(t)
	out := t.TempDir()
	res, err := Write(context.Background(), db, Options{OutDir: out, Period: "2020-12", Now: runNow, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary != filepath.Join(out, "summary-2020-12.xlsx") {
		t.Fatalf("summary %q", res.Summary)
	}
	var status []string
	for _, c := range allCells(t, res.Summary) {
		if c.sheet == sheetReporting && c.col == 7 && c.row > 2 {
			status = append(status, c.value)
		}
	}
	if want := slices.Repeat([]string{"未报送"}, 6); !slices.Equal(status, want) {
		t.Errorf("报送状态 %q, want %q", status, want)
	}
	if _, err := Write(context.Background(), db, Options{OutDir: out, Period: "2020-13"}); !errors.Is(err, ErrNoPeriod) {
		t.Errorf("period 2020-13: %v, want ErrNoPeriod", err)
	}
}

// TestWorksheetXML checks what excelize does not: the parts of each sheet
// are in the order Excel requires (cols ascending).
func TestWorksheetXML(t *testing.T) {
	db, inbox := testWarehouse(t)
	_, res := writeReports(t, db, inbox, runNow)
	colMin := regexp.MustCompile(`<col min="(\d+)"`)
	for _, p := range append([]string{res.Summary}, res.Feedback...) {
		f, err := excelize.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f.Pkg.Range(func(k, v any) bool {
			name := k.(string)
			if !strings.HasPrefix(name, "xl/worksheets/sheet") {
				return true
			}
			prev := 0
			for _, m := range colMin.FindAllStringSubmatch(string(v.([]byte)), -1) {
				var n int
				fmt.Sscan(m[1], &n)
				if n <= prev {
					t.Errorf("%s %s: <col> %d after %d", filepath.Base(p), name, n, prev)
				}
				prev = n
			}
			return true
		})
		f.Close()
	}
}
