package form

import (
	"archive/zip"
	"bytes"
	"fmt"
	"grassroots/pipeline/xlsx"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// A compact description of a workbook for tests: sheets in order, each a
// list of rows from A1 (or from the row given by start). Cell values:
// string → text, int/float64 → number, time.Time → a date cell (yyyy-mm-dd),
// bool → Excel boolean, nil → empty, num("…") → a number written as is,
// fmtNum{v, code} → a number with a custom number format.
type sheetSpec struct {
	name   string
	rows   [][]any
	hidden bool
	merges [][2]string
}

type num string

type fmtNum struct {
	v    float64
	code string
}

func buildXLSX(tb testing.TB, sheets ...sheetSpec) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		tb.Fatal(err)
	}
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				tb.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			tb.Fatal(err)
		}
		for r, row := range s.rows {
			for c, v := range row {
				ref := xlsx.CellRef(c+1, r+1)
				var err error
				switch v := v.(type) {
				case nil:
				case string:
					err = f.SetCellStr(s.name, ref, v)
				case int:
					err = f.SetCellInt(s.name, ref, int64(v))
				case float64:
					err = f.SetCellFloat(s.name, ref, v, -1, 64)
				case bool:
					err = f.SetCellBool(s.name, ref, v)
				case num:
					err = f.SetCellDefault(s.name, ref, string(v))
				case time.Time:
					serial := float64(v.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC))) / float64(24*time.Hour)
					if err = f.SetCellFloat(s.name, ref, serial, -1, 64); err == nil {
						err = f.SetCellStyle(s.name, ref, ref, dateStyle)
					}
				case fmtNum:
					code := v.code
					st, e := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
					if e != nil {
						tb.Fatal(e)
					}
					if err = f.SetCellFloat(s.name, ref, v.v, -1, 64); err == nil {
						err = f.SetCellStyle(s.name, ref, ref, st)
					}
				default:
					tb.Fatalf("buildXLSX: unsupported %T", v)
				}
				if err != nil {
					tb.Fatal(err)
				}
			}
		}
		for _, m := range s.merges {
			if err := f.MergeCell(s.name, m[0], m[1]); err != nil {
				tb.Fatal(err)
			}
		}
		if s.hidden {
			if err := f.SetSheetVisible(s.name, false); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// patchXLSX rewrites parts of a package: each replacement applies to every
// part whose name contains part.
func patchXLSX(tb testing.TB, data []byte, part, old, new string) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	replaced := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		if strings.Contains(f.Name, part) && strings.Contains(string(b), old) {
			b = []byte(strings.ReplaceAll(string(b), old, new))
			replaced = true
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	if !replaced {
		tb.Fatalf("patchXLSX: %q not found in %s", old, part)
	}
	return buf.Bytes()
}

func readBytes(b []byte) *Form {
	return Read(bytes.NewReader(b), int64(len(b)), "t.xlsx", Options{})
}

func d(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }

// formSpec is a whole form; std gives a valid one to vary.
type formSpec struct {
	cover, orgs, meetings, requests [][]any
	noMeetings                      bool
	coverMerges                     [][2]string
}

var (
	headers2021Requests = []any{"序号", "单号", "点单日期", "点单人", "联系电话", "诉求类别", "诉求内容", "派单日期", "办结日期", "是否办结", "是否矛盾纠纷", "调处结果", "群众评价"}
	headers2022Requests = []any{"序号", "工单编号", "点单日期", "点单人", "联系电话", "诉求类别", "诉求内容", "派单日期", "接单网格员", "接单日期", "办结日期", "办理状态", "是否矛盾纠纷", "调处结果", "评单结果"}
)

func stdCover() [][]any {
	return [][]any{
		{"村（社区）党建引领基层治理月报表"},
		{"单位名称", "龙象社区", "单位类型", "社区"},
		{"区划代码", "450109100201", "报告期", "2021年3月"},
		{"党组织书记", "王书记", "书记是否“一肩挑”", "是"},
		{"党员总数", 56, "网格数", 4},
		{"网格员数", 8, "是否成立党群理事会", "是"},
		{"议事小组数", 2, "填报人", "李文书"},
		{"联系电话", "0771-1234567", "填报日期", d(2021, 4, 2)},
	}
}

func stdOrgs(version string) [][]any {
	h := []any{"序号", "单位名称", "单位类型", "是否建立党组织", "组建方式", "党组织名称", "备注"}
	r1 := []any{1, "龙象小区", "居民小区", "是", "单独组建", "龙象小区党支部", ""}
	r2 := []any{2, "那楼合作社", "合作社", "否", "", "", "筹建中"}
	if version == Version2022 {
		h = append(h[:6:6], "党员人数", "备注")
		r1 = append(r1[:6:6], 5, "")
		r2 = append(r2[:6:6], nil, "筹建中")
	}
	return [][]any{h, r1, r2}
}

func stdMeetings() [][]any {
	return [][]any{
		{"议事日期", "议题", "议题类别", "参会党员数", "参会群众数", "落实情况"},
		{d(2021, 3, 10), "小区停车整治", "环境整治", 6, 20, "已落实"},
	}
}

func stdRequests(version string) [][]any {
	if version == Version2021 {
		return [][]any{
			{"点单台账（2021年3月）"},
			headers2021Requests,
			{1, "DD001", d(2021, 3, 1), "张三", "13800001234", "设施维修", "路灯不亮", d(2021, 3, 2), d(2021, 3, 5), "是", "否", "", "满意"},
			{2, "DD002", d(2021, 3, 3), "李四", "13900005678", "矛盾纠纷", "邻里噪音", d(2021, 3, 4), nil, "否", "是", "调处中", ""},
		}
	}
	return [][]any{
		{"点单台账（2022年3月）"},
		headers2022Requests,
		{1, "DD001", d(2021, 3, 1), "张三", "13800001234", "设施维修", "路灯不亮", d(2021, 3, 2), "赵网格", d(2021, 3, 2), d(2021, 3, 5), "已办结", "否", "", "满意"},
		{2, "DD002", d(2021, 3, 3), "李四", "13900005678", "矛盾纠纷", "邻里噪音", d(2021, 3, 4), "赵网格", nil, nil, "办理中", "是", "调处中", ""},
	}
}

func stdForm(version string) *formSpec {
	return &formSpec{cover: stdCover(), orgs: stdOrgs(version), meetings: stdMeetings(), requests: stdRequests(version)}
}

func (fs *formSpec) build(tb testing.TB) []byte {
	sheets := []sheetSpec{{name: SheetCover, rows: fs.cover, merges: fs.coverMerges}}
	if fs.orgs != nil {
		sheets = append(sheets, sheetSpec{name: SheetOrgs, rows: fs.orgs})
	}
	if !fs.noMeetings {
		sheets = append(sheets, sheetSpec{name: SheetMeetings, rows: fs.meetings})
	}
	sheets = append(sheets, sheetSpec{name: SheetRequests, rows: fs.requests})
	return buildXLSX(tb, sheets...)
}

// bigForm is a realistic form with n request rows, for benchmarks.
func bigForm(tb testing.TB, n int) []byte {
	fs := stdForm(Version2022)
	fs.requests = fs.requests[:2]
	for i := 0; i < n; i++ {
		day := 1 + i%28
		fs.requests = append(fs.requests, []any{i + 1, fmt.Sprintf("GD%05d", i), d(2021, 3, day), "张三", "13800001234", "环境卫生",
			"路灯坏了需要维修请尽快处理", d(2021, 3, day), "李四", d(2021, 3, day), d(2021, 3, day), "已办结", "否", "", "满意"})
	}
	for i := 0; i < 30; i++ {
		fs.orgs = append(fs.orgs, []any{i + 3, fmt.Sprint("单位", i), "两新组织", "是", "联合组建", "联合党支部", 3, ""})
	}
	return fs.build(tb)
}

// set puts v at the A1 reference ref, growing rows as needed.
func set(rows [][]any, ref string, v any) [][]any {
	r, c := xlsx.RefRow(ref)-1, xlsx.ColIndex(ref)-1
	for len(rows) <= r {
		rows = append(rows, nil)
	}
	for len(rows[r]) <= c {
		rows[r] = append(rows[r], nil)
	}
	rows[r][c] = v
	return rows
}

// del removes column c (A1 letters) from every row.
func del(rows [][]any, col string) [][]any {
	c := xlsx.ColIndex(col) - 1
	for i, row := range rows {
		if c < len(row) {
			rows[i] = append(row[:c:c], row[c+1:]...)
		}
	}
	return rows
}
