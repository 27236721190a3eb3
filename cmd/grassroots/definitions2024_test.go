package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"grassroots/definitions"
)

// edits2024 turn the built-in village form into one with a 2024版 (the
// worked examples of docs/definitions.md): two renamed headers, a new cover
// question and a new value of 诉求类别. Each edit is a definitions change
// only; old must occur once in the built-in file.
var edits2024 = []struct{ old, new string }{
	{`
[cover]
`, `
[[versions]]
name = "2024版"
variants = ["2024", "2024年版"]

[cover]
`},
	{`key = "requested_on"
headers = ["点单日期"]`, `key = "requested_on"
headers = ["点单日期"]
headers_in = { "2024版" = ["诉求日期"] }`},
	{`key = "rating"
headers = ["评单结果"]`, `key = "rating"
headers = ["评单结果"]
headers_in = { "2024版" = ["群众评单"] }`},
	{`[[sheets]]
key = "orgs"`, `[[cover.fields]]
key = "elder_care_point"
labels = ["是否建立养老互助点"]
kind = "yesno"
since = "2024版"

[[sheets]]
key = "orgs"`},
	// A header variant and a value variant (docs/definitions.md's second
	// worked example): 那楼社区's form uses both.
	{`headers = ["诉求类别"]`, `headers = ["诉求类别", "诉求分类"]`},
	{`{ value = "已办结", variants = ["办结", "已完成"] },`, `{ value = "已办结", variants = ["办结", "已完成", "已办"] },`},
	{`{ value = "困难帮扶" }, { value = "疫情防控" }, { value = "其他" },`, `{ value = "困难帮扶" }, { value = "疫情防控" }, { value = "其他" }, { value = "养老服务" },`},
}

// metrics2024 adds one metric over the new question.
const metrics2024 = `[[metric]]
name = "elder_care_coverage"
title = "养老互助点覆盖率"
kind = "ratio"
family = "cover"
source = "cover"
numerator = "count(*) FILTER (WHERE elder_care_point)"
denominator = "count(*) FILTER (WHERE elder_care_point_asked)"
`

// TestDefinitions2024 adds a form version "2024版" with definition files
// only, and runs the real program on it: `definitions check`, `template`,
// `run` and `query`. Hand-worked, for 2021-03 under 那楼镇:
//
//	unit      form    养老互助点   elder_care_coverage
//	龙象社区  2024版  是           1/1
//	那楼社区  2024版  否           0/1
//	石门社区  2022版  (not asked)  0/0, NULL
//	那楼镇, 市                     1/2
func TestDefinitions2024(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the program as a process")
	}
	dir := t.TempDir()
	base, err := fs.ReadFile(definitions.Forms(), "village.toml")
	if err != nil {
		t.Fatal(err)
	}
	village := string(base)
	for _, e := range edits2024 {
		if strings.Count(village, e.old) != 1 {
			t.Fatalf("the built-in definitions no longer contain %q once", e.old)
		}
		village = strings.Replace(village, e.old, e.new, 1)
	}
	forms := filepath.Join(dir, "forms")
	if err := os.MkdirAll(forms, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(forms, "village.toml"), village)
	metrics := writeFile(t, filepath.Join(dir, "metrics-2024.toml"), metrics2024)
	registry := writeFile(t, filepath.Join(dir, "registry.csv"), "code,name,level,parent_code\n"+
		"450100000000,南宁市,city,\n"+
		"450109100000,那楼镇,township,450100000000\n"+
		"450109100201,龙象社区,community,450109100000\n"+
		"450109100202,那楼社区,community,450109100000\n"+
		"450109100203,石门社区,community,450109100000\n")

	if stdout, stderr, code := grassroots(t, dir, "definitions", "check", "--forms", forms, "--metrics", metrics); code != 0 {
		t.Fatalf("definitions check: exit %d: %s%s", code, stdout, stderr)
	}
	blank24 := filepath.Join(dir, "blank-2024.xlsx")
	if _, stderr, code := grassroots(t, dir, "template", "--forms", forms, "--version", "2024", "--out", blank24); code != 0 {
		t.Fatalf("template: exit %d: %s", code, stderr)
	}
	blank22 := filepath.Join(dir, "blank-2022.xlsx")
	if _, stderr, code := grassroots(t, dir, "template", "--forms", forms, "--version", "2022", "--out", blank22); code != 0 {
		t.Fatalf("template: exit %d: %s", code, stderr)
	}
	inbox := filepath.Join(dir, "inbox")
	write2024Form(t, blank24, filepath.Join(inbox, "龙象社区3月报表.xlsx"), "450109100201", "龙象社区", "是", "", "")
	write2024Form(t, blank24, filepath.Join(inbox, "那楼社区3月报表.xlsx"), "450109100202", "那楼社区", "否", "诉求分类", "已办")
	writeMarchForm(t, blank22, filepath.Join(inbox, "石门社区3月报表.xlsx"), "450109100203", "石门社区",
		[]request{{"S1", "已办结", "2021-03-03", "满意"}})

	db := filepath.Join(dir, "w.duckdb")
	if _, stderr, code := grassroots(t, dir, "--log-level", "error", "run", "--forms", forms, "--metrics", metrics,
		"--inbox", inbox, "--registry", registry, "--db", db, "--out", filepath.Join(dir, "out")); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	query := func(q string) string {
		t.Helper()
		stdout, stderr, code := grassroots(t, dir, "query", "--db", db, "--format", "csv", q)
		if code != 0 {
			t.Fatalf("query: exit %d: %s", code, stderr)
		}
		return stdout
	}
	if d := cmp.Diff("unit_code,numerator,denominator,value\n"+
		"450100000000,1,2,0.5\n"+
		"450109100000,1,2,0.5\n"+
		"450109100201,1,1,1\n"+
		"450109100202,0,1,0\n"+
		"450109100203,0,0,\n", query(`SELECT unit_code, numerator, denominator, value FROM metric_values
		WHERE period = '2021-03' AND metric = 'elder_care_coverage' ORDER BY unit_code`)); d != "" {
		t.Errorf("elder_care_coverage (-want +got):\n%s", d)
	}
	// Every form is accepted without an issue: the renamed headers, the new
	// value and the new question are the 2024版's own.
	if d := cmp.Diff("path,status,errors,warnings\n"+
		"石门社区3月报表.xlsx,accepted,0,0\n"+
		"那楼社区3月报表.xlsx,accepted,0,0\n"+
		"龙象社区3月报表.xlsx,accepted,0,0\n",
		query(`SELECT path, status, errors, warnings FROM submissions ORDER BY path`)); d != "" {
		t.Errorf("submissions (-want +got):\n%s", d)
	}
	if d := cmp.Diff("unit_code,category,rating,n\n"+
		"450109100201,养老服务,满意,2\n"+
		"450109100202,养老服务,满意,2\n"+
		"450109100203,其他,满意,1\n",
		query(`SELECT unit_code, category, rating, count(*) AS n FROM requests GROUP BY ALL ORDER BY ALL`)); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if got := query(`SELECT version FROM forms ORDER BY unit_code`); got != "version\n2024版\n2024版\n2022版\n" {
		t.Errorf("versions read: %q", got)
	}
}

// write2024Form fills the 2024版 blank for March 2021: the cover, the new
// question 是否建立养老互助点, and two resolved 养老服务 requests under the
// renamed headers 诉求日期 and 群众评单; categoryHeader and resolved, when
// not "", replace the header 诉求类别 and the state 已办结 (variants).
func write2024Form(t *testing.T, blank, path, code, name, elderCare, categoryHeader, resolved string) {
	t.Helper()
	f, err := excelize.OpenFile(blank)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	labels, err := f.GetCols("基本信息")
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{
		"单位名称": name, "区划代码": code, "报告期": "2021年3月", "单位类型": "社区", "党组织书记": "张三",
		"书记是否“一肩挑”": "是", "党员总数": "30", "网格数": "3", "网格员数": "3", "是否成立党群理事会": "是",
		"议事小组数": "1", "填报人": "李四", "联系电话": "13800000000", "填报日期": "2021-04-01",
		"党组织星级": "三星", "是否达标党支部": "是", "是否软弱涣散党组织": "否", "党群服务中心是否标准化": "是",
		"网格党小组数": "2", "双报到在职党员数": "5", "是否建立养老互助点": elderCare,
	}
	for i, l := range labels[0] {
		if v, ok := values[l]; ok {
			if err := f.SetCellStr("基本信息", fmt.Sprintf("B%d", i+1), v); err != nil {
				t.Fatal(err)
			}
			delete(values, l)
		}
	}
	if len(values) > 0 {
		t.Fatalf("the 2024版 template lacks the labels %v", values)
	}
	headers, err := f.GetRows("点单台账")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"诉求日期", "群众评单"} {
		if !strings.Contains(strings.Join(headers[0], ","), h) {
			t.Fatalf("the 2024版 template's 点单台账 lacks %s: %v", h, headers[0])
		}
	}
	if categoryHeader != "" {
		if err := f.SetCellStr("点单台账", "E1", categoryHeader); err != nil {
			t.Fatal(err)
		}
	}
	if resolved == "" {
		resolved = "已办结"
	}
	for i := range 2 {
		row := []any{fmt.Sprintf("E%d", i+1), "2021-03-01", "王五", "", "养老服务", "助餐", "2021-03-01", "赵六", "2021-03-01", "2021-03-02", resolved, "否", "", "满意"}
		if err := f.SetSheetRow("点单台账", fmt.Sprintf("A%d", i+2), &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}
