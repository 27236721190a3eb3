package form

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// form2023 is the standard 2022版 form with the 2023版 assessment on the
// cover (rows 9-11, label and value pairs side by side like the rest).
func form2023(stars, grids any, extra ...[]any) *formSpec {
	fs := stdForm(Version2022)
	fs.cover = append(fs.cover,
		[]any{"党组织星级", stars, "是否达标党支部", "是"},
		[]any{"软弱涣散党组织", "否", "党群服务中心标准化", "是"},
		[]any{"网格党小组数", grids, "双报到在职党员数", 12},
	)
	fs.cover = append(fs.cover, extra...)
	return fs
}

func answers(f *Form) map[string]Answer {
	m := map[string]Answer{}
	for _, a := range f.Cover.Answers {
		m[a.Key] = a
	}
	return m
}

func TestAssessment2023(t *testing.T) {
	f := readBytes(form2023("四星级", 3).build(t))
	for _, i := range f.Issues {
		t.Errorf("unexpected issue: %s", i.Error())
	}
	wantEq(t, f.Version, "2023版")
	got := answers(f)
	want := map[string]Answer{
		"star_rating":             {Key: "star_rating", Kind: "stars", Asked: true, Valid: true, Count: 4, Text: "四星"},
		"standard_branch":         {Key: "standard_branch", Kind: "yesno", Asked: true, Valid: true, Yes: true},
		"weak_org":                {Key: "weak_org", Kind: "yesno", Asked: true, Valid: true, Yes: false},
		"service_center_standard": {Key: "service_center_standard", Kind: "yesno", Asked: true, Valid: true, Yes: true},
		"grid_party_groups":       {Key: "grid_party_groups", Kind: "count", Asked: true, Valid: true, Count: 3},
		"dual_report_members":     {Key: "dual_report_members", Kind: "count", Asked: true, Valid: true, Count: 12},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("answers (-want +got):\n%s", d)
	}
}

// A 2022版 form was not asked the 2023版 questions: no warning, and no
// answer counts in either side of a metric.
func TestAssessmentNotAsked(t *testing.T) {
	f := readBytes(stdForm(Version2022).build(t))
	if len(f.Issues) != 0 {
		t.Errorf("issues: %v", f.Issues)
	}
	wantEq(t, f.Version, Version2022)
	for _, a := range f.Cover.Answers {
		if a.Asked || a.Valid {
			t.Errorf("%s: asked %v, valid %v on a 2022版 form", a.Key, a.Asked, a.Valid)
		}
	}
	wantEq(t, len(f.Cover.Answers), 6)
}

func TestAssessmentWarnings(t *testing.T) {
	cases := []struct {
		name  string
		spec  *formSpec
		issue string // code at cell, "" for none
		key   string
		asked bool
	}{
		{"more grid party groups than grids", form2023("三星", 5), "grid_groups_exceed_grids@B11", "grid_party_groups", true},
		{"as many as grids", form2023("三星", 4), "", "grid_party_groups", true},
		{"bad star rating", form2023("三星半", 1), "bad_enum@B9", "star_rating", true},
		{"empty star rating", form2023(nil, 1), "missing_value@B9", "star_rating", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := readBytes(tc.spec.build(t))
			var got string
			for _, i := range f.Issues {
				got += fmt.Sprintf("%s@%s", i.Code, i.Cell)
				if i.Severity != SeverityWarning {
					t.Errorf("%s is %s, want a warning", i.Code, i.Severity)
				}
			}
			wantEq(t, got, tc.issue)
			a := answers(f)[tc.key]
			wantEq(t, a.Asked, tc.asked)
			wantEq(t, a.Valid, tc.issue == "")
		})
	}
}

// 双报到在职党员数 concerns communities: a village leaves it empty without a
// warning, a community gets one.
func TestDualReportEmpty(t *testing.T) {
	for _, kind := range []string{"村", "社区"} {
		fs := form2023("三星", 2)
		fs.cover = set(fs.cover, "D2", kind)
		fs.cover = set(fs.cover, "D11", nil)
		f := readBytes(fs.build(t))
		warned := len(f.Issues) == 1 && f.Issues[0].Code == CodeMissingValue && f.Issues[0].Cell == "D11"
		if warned != (kind == "社区") {
			t.Errorf("%s: issues %v", kind, f.Issues)
		}
	}
}

// The 2023版 template asks the assessment and reads back as 2023版.
func TestTemplate2023(t *testing.T) {
	var buf bytes.Buffer
	if err := Default().WriteTemplate(&buf, "2023版"); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	labels, _ := x.GetCols(SheetCover)
	want := []string{"党组织星级", "是否达标党支部", "是否软弱涣散党组织", "党群服务中心是否标准化", "网格党小组数", "双报到在职党员数"}
	if d := cmp.Diff(want, labels[0][len(labels[0])-6:]); d != "" {
		t.Errorf("2023版 cover labels (-want +got):\n%s", d)
	}
	for i, v := range []any{"450109100201", "2021-03", "五星", "是", "否", "是", 1, 0} {
		ref := []string{"B3", "B4", "B17", "B18", "B19", "B20", "B21", "B22"}[i]
		if err := x.SetCellValue(SheetCover, ref, v); err != nil {
			t.Fatal(err)
		}
	}
	var filled bytes.Buffer
	if err := x.Write(&filled); err != nil {
		t.Fatal(err)
	}
	f := readBytes(filled.Bytes())
	wantEq(t, f.Version, "2023版")
	wantEq(t, answers(f)["star_rating"].Count, int64(5))
	wantEq(t, answers(f)["dual_report_members"].Valid, true)
}
