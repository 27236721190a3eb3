package report

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
	"grassroots/pipeline/warehouse"
	"grassroots/pipeline/warehouse/warehousetest"
)

// TestAssessmentAndParkSheets: a month with a 2023版 form and a park gets
// 考评 (by township, with the city's total) and 园区 (one row per park);
// the park is in 报送情况 and, with an enterprise coverage below 100%, in
// 预警清单, and its clerk gets a feedback workbook. A township workbook
// without parks has no 园区.
func TestAssessmentAndParkSheets(t *testing.T) {
	reg, err := registry.Parse(strings.NewReader(`code,name,level,parent_code
450100000000,南宁市,city,
450109000000,邕宁区,district,450100000000
450109100000,那楼镇,township,450109000000
450109100201,龙象社区,community,450109100000
450150000000,高新区,district,450100000000
450150000101,第一园区综合党委,park,450150000000
`), "registry.csv")
	if err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	lx := newForm("450109100201", "2021-03", "张三", "13700001111")
	lx.Version = "2023版"
	lx.Cover.Answers = []form.Answer{
		{Key: "star_rating", Kind: "stars", Asked: true, Valid: true, Count: 4, Text: "四星"},
		{Key: "standard_branch", Kind: "yesno", Asked: true, Valid: true, Yes: true},
	}
	park := newForm("450150000101", "2021-03", "李四", "13700002222")
	park.Kind = form.Park
	park.Sheets.Cover = "基本信息"
	park.Issues = []form.Issue{{Path: "park.xlsx", Sheet: "企业名册", Cell: "C3", Code: "bad_credit_code", Severity: form.SeverityWarning,
		Value: "91450100MA5K000000", Message: "统一社会信用代码“91450100MA5K000000”校验位不对"}}
	park.Enterprises = []form.Enterprise{
		{Row: 2, Name: "甲公司", HasOrg: true, HowFormed: form.FormedStandalone, OrgName: "甲公司党支部"},
		{Row: 3, Name: "乙公司", HowFormed: "孵化培育"},
	}
	warehousetest.Load(t, w, reg, "inbox", at("2021-04-10 02:00"),
		warehousetest.Upload{Path: "lx.xlsx", Received: at("2021-04-02 10:00"), Form: lx},
		warehousetest.Upload{Path: "park.xlsx", Received: at("2021-04-02 10:00"), Form: park})
	out := t.TempDir()
	res, err := Write(context.Background(), w.DB(), Options{OutDir: out, Now: at("2021-04-10 02:00"), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}

	assess := sheetRows(t, res.Summary, sheetAssess)
	star, std := column(t, assess, "三星级以上党组织占比"), column(t, assess, "达标率")
	got := [][]string{}
	for _, r := range assess[2:] {
		got = append(got, []string{r[2], r[star], r[std]})
	}
	if d := cmp.Diff([][]string{{"那楼镇", "1", "1"}, {"南宁市", "1", "1"}}, got); d != "" {
		t.Errorf("考评 (-want +got):\n%s", d)
	}

	parks := sheetRows(t, res.Summary, sheetParks)
	cov, total := column(t, parks, "园区企业党组织覆盖率"), column(t, parks, "园区企业数")
	if d := cmp.Diff([][]string{{"第一园区综合党委", "已接收", "0.5", "2"}},
		[][]string{{parks[2][3], parks[2][4], parks[2][cov], parks[2][total]}}); d != "" || len(parks) != 3 {
		t.Errorf("园区 (-want +got):\n%s", d)
	}

	var reported, alerted []string
	for _, r := range sheetRows(t, res.Summary, sheetReporting)[2:] {
		reported = append(reported, r[3]+" "+r[4]+" "+r[6])
	}
	if d := cmp.Diff([]string{"龙象社区 社区 已接收", "第一园区综合党委 园区 已接收"}, reported); d != "" {
		t.Errorf("报送情况 (-want +got):\n%s", d)
	}
	for _, r := range sheetRows(t, res.Summary, sheetAlerts)[2:] {
		if r[2] == "450150000101" {
			alerted = append(alerted, r[4]+" "+r[7])
		}
	}
	if d := cmp.Diff([]string{"党组织覆盖率低于100% 园区企业党组织覆盖率 50.0%（1/2）"}, alerted); d != "" {
		t.Errorf("预警清单 of the park (-want +got):\n%s", d)
	}

	// The park's clerk gets a feedback workbook like a village's.
	var parkFeedback []string
	for _, name := range res.Feedback {
		if strings.HasPrefix(filepath.Base(name), "450150000101-2021-03-") {
			parkFeedback = append(parkFeedback, name)
		}
	}
	if len(parkFeedback) != 1 {
		t.Fatalf("feedback for the park: %v (all: %v)", parkFeedback, res.Feedback)
	}
	var found bool
	for _, r := range sheetRows(t, parkFeedback[0], feedbackSheet) {
		found = found || strings.Contains(strings.Join(r, "|"), "企业名册|C3|91450100MA5K000000|bad_credit_code")
	}
	if !found {
		t.Errorf("the park's feedback lacks its bad_credit_code row")
	}

	town := filepath.Join(out, "townships", "450109100000-2021-03.xlsx")
	if names := sheetNames(t, town); strings.Contains(strings.Join(names, ","), sheetParks) || !strings.Contains(strings.Join(names, ","), sheetAssess) {
		t.Errorf("那楼镇's workbook has sheets %v: want 考评 and no 园区", names)
	}
}

// sheetNames are a workbook's sheets, in order.
func sheetNames(t *testing.T, path string) []string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return f.GetSheetList()
}
