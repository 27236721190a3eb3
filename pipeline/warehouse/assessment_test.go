package warehouse

import (
	"database/sql"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"grassroots/pipeline/form"
)

// parkRegistry: a town with two communities, and a high-tech zone (a
// district-level unit) with two parks.
const parkRegistry = `code,name,level,parent_code
450100000000,南宁市,city,
450109000000,邕宁区,district,450100000000
450109100000,那楼镇,township,450109000000
450109100201,龙象社区,community,450109100000
450109100202,那楼社区,community,450109100000
450150000000,高新区,district,450100000000
450150000101,第一园区综合党委,park,450150000000
450150000102,第二园区综合党委,park,450150000000
`

// assessment is a 2023版 cover's answers.
func assessment(stars int64, standard, weak, center bool, gridGroups, dual int64) []form.Answer {
	yes := func(k string, v bool) form.Answer {
		return form.Answer{Key: k, Kind: "yesno", Asked: true, Valid: true, Yes: v}
	}
	count := func(k, kind string, n int64) form.Answer {
		return form.Answer{Key: k, Kind: kind, Asked: true, Valid: true, Count: n}
	}
	return []form.Answer{
		count("star_rating", "stars", stars), yes("standard_branch", standard), yes("weak_org", weak),
		yes("service_center_standard", center), count("grid_party_groups", "count", gridGroups),
		count("dual_report_members", "count", dual),
	}
}

// notAsked are the answers of a 2022版 cover read with the 2023版 definitions.
func notAsked() []form.Answer {
	var out []form.Answer
	for _, k := range form.Default().AnswerKeys() {
		out = append(out, form.Answer{Key: k.Key, Kind: k.Kind})
	}
	return out
}

func parkForm(code, period string) *form.Form {
	f := newForm(code, period)
	f.Kind, f.Version = form.Park, "园区2023版"
	return f
}

func n64(v int64) sql.Null[int64] { return sql.Null[int64]{V: v, Valid: true} }

// TestAssessmentAndParks: the 2023版 assessment and the parks' metrics,
// hand-worked for 2023-03:
//
//	龙象社区 (2023版): 四星, 达标, not 软弱涣散 (February: 软弱涣散), centre
//	  standardized, 3 grid party groups of 4 grids, 12 dual-registered.
//	那楼社区 (2022版): not asked; in neither side of the assessment rates.
//	第一园区: 3 enterprises (2 with an organization, 1 incubated, 1 paired;
//	  170 workers, 15 members, 3 model posts), 2 visits (3 problems, 2
//	  solved; the other's counts invalid).
//	第二园区 sent a village form: wrong_form. 那楼社区 also sent a park form
//	  (a later file): wrong_form, so its village form stays accepted.
func TestAssessmentAndParks(t *testing.T) {
	w := openTemp(t)
	feb := newForm("450109100201", "2023-02")
	feb.Version, feb.Cover.Answers = "2023版", assessment(2, false, true, false, 1, 10)
	lx := newForm("450109100201", "2023-03")
	lx.Version, lx.Cover.Answers = "2023版", assessment(4, true, false, true, 3, 12)
	lx.Cover.Grids = n64(4)
	nl := newForm("450109100202", "2023-03")
	nl.Cover.Answers = notAsked()
	nlPark := parkForm("450109100202", "2023-03")
	p1 := parkForm("450150000101", "2023-03")
	p1.Enterprises = []form.Enterprise{
		{Row: 2, Name: "甲公司", HasOrg: true, HowFormed: form.FormedStandalone, OrgName: "甲公司党支部", Paired: sql.Null[bool]{V: true, Valid: true},
			Workers: n64(100), PartyMembers: n64(10), ModelPosts: n64(2)},
		{Row: 3, Name: "乙公司", HowFormed: "孵化培育", Workers: n64(50), PartyMembers: n64(2), ModelPosts: n64(0)},
		{Row: 4, Name: "丙协会", HasOrg: true, HowFormed: form.FormedJoint, OrgName: "联合党支部", Workers: n64(20), PartyMembers: n64(3), ModelPosts: n64(1)},
	}
	p1.Visits = []form.Visit{
		{Row: 2, Date: day("2023-03-05"), Enterprise: "甲公司", Problems: n64(3), Solved: n64(2)},
		{Row: 3, Date: day("2023-03-20"), Enterprise: "乙公司"},
	}
	p2 := newForm("450150000102", "2023-03")
	runAt(t, w, mustRegistry(t, parkRegistry), time.Date(2023, 4, 10, 2, 0, 0, 0, shanghai), Settings{},
		upload{path: "lx-02.xlsx", received: received("2023-03-02 09:00"), form: feb},
		upload{path: "lx-03.xlsx", received: received("2023-04-02 09:00"), form: lx},
		upload{path: "nl-03.xlsx", received: received("2023-04-02 09:00"), form: nl},
		upload{path: "nl-03-park.xlsx", received: received("2023-04-03 09:00"), form: nlPark},
		upload{path: "p1-03.xlsx", received: received("2023-04-02 09:00"), form: p1},
		upload{path: "p2-03.xlsx", received: received("2023-04-02 09:00"), form: p2},
	)

	got := table(t, w.DB(), `SELECT unit_code, metric, coalesce(CAST(numerator AS VARCHAR), 'NULL'), coalesce(CAST(denominator AS VARCHAR), 'NULL')
		FROM metric_values WHERE period = '2023-03' AND unit_code IN ('450109100201', '450109100202', '450109100000', '450150000101', '450100000000')
		AND metric IN ('three_star_rate', 'star_orgs', 'standard_branch_rate', 'weak_orgs', 'weak_orgs_rectified',
		  'service_center_standard_rate', 'grid_group_coverage', 'dual_report_members', 'enterprise_party_coverage',
		  'enterprises_total', 'enterprises_incubating', 'enterprises_paired', 'enterprise_party_members',
		  'enterprise_workers', 'model_posts', 'park_visits', 'park_problem_solved_rate', 'reporting_rate')
		ORDER BY unit_code, metric`)
	want := [][]string{}
	add := func(unit string, rows ...[3]string) {
		for _, r := range rows {
			want = append(want, []string{unit, r[0], r[1], r[2]})
		}
	}
	// The city: every reporting unit below it.
	add("450100000000",
		[3]string{"dual_report_members", "12.0", "NULL"}, [3]string{"enterprise_party_coverage", "2.0", "3.0"},
		[3]string{"enterprise_party_members", "15.0", "NULL"}, [3]string{"enterprise_workers", "170.0", "NULL"},
		[3]string{"enterprises_incubating", "1.0", "NULL"}, [3]string{"enterprises_paired", "1.0", "NULL"},
		[3]string{"enterprises_total", "3.0", "NULL"}, [3]string{"grid_group_coverage", "3.0", "4.0"},
		[3]string{"model_posts", "3.0", "NULL"}, [3]string{"park_problem_solved_rate", "2.0", "3.0"},
		[3]string{"park_visits", "2.0", "NULL"}, [3]string{"reporting_rate", "3.0", "4.0"},
		[3]string{"service_center_standard_rate", "1.0", "1.0"}, [3]string{"standard_branch_rate", "1.0", "1.0"},
		[3]string{"star_orgs", "1.0", "NULL"}, [3]string{"three_star_rate", "1.0", "1.0"},
		[3]string{"weak_orgs", "0.0", "NULL"}, [3]string{"weak_orgs_rectified", "1.0", "NULL"})
	assess := func(unit, dual, grid, gridDen, rate, star, rect string, reporting [2]string) {
		add(unit,
			[3]string{"dual_report_members", dual, "NULL"}, [3]string{"enterprise_party_coverage", "0.0", "0.0"},
			[3]string{"enterprise_party_members", "0.0", "NULL"}, [3]string{"enterprise_workers", "0.0", "NULL"},
			[3]string{"enterprises_incubating", "0.0", "NULL"}, [3]string{"enterprises_paired", "0.0", "NULL"},
			[3]string{"enterprises_total", "0.0", "NULL"}, [3]string{"grid_group_coverage", grid, gridDen},
			[3]string{"model_posts", "0.0", "NULL"}, [3]string{"park_problem_solved_rate", "0.0", "0.0"},
			[3]string{"park_visits", "0.0", "NULL"}, [3]string{"reporting_rate", reporting[0], reporting[1]},
			[3]string{"service_center_standard_rate", rate, rate}, [3]string{"standard_branch_rate", rate, rate},
			[3]string{"star_orgs", star, "NULL"}, [3]string{"three_star_rate", rate, rate},
			[3]string{"weak_orgs", "0.0", "NULL"}, [3]string{"weak_orgs_rectified", rect, "NULL"})
	}
	assess("450109100000", "12.0", "3.0", "4.0", "1.0", "1.0", "1.0", [2]string{"2.0", "2.0"})
	assess("450109100201", "12.0", "3.0", "4.0", "1.0", "1.0", "1.0", [2]string{"1.0", "1.0"})
	assess("450109100202", "0.0", "0.0", "0.0", "0.0", "0.0", "0.0", [2]string{"1.0", "1.0"})
	add("450150000101",
		[3]string{"dual_report_members", "0.0", "NULL"}, [3]string{"enterprise_party_coverage", "2.0", "3.0"},
		[3]string{"enterprise_party_members", "15.0", "NULL"}, [3]string{"enterprise_workers", "170.0", "NULL"},
		[3]string{"enterprises_incubating", "1.0", "NULL"}, [3]string{"enterprises_paired", "1.0", "NULL"},
		[3]string{"enterprises_total", "3.0", "NULL"}, [3]string{"grid_group_coverage", "0.0", "0.0"},
		[3]string{"model_posts", "3.0", "NULL"}, [3]string{"park_problem_solved_rate", "2.0", "3.0"},
		[3]string{"park_visits", "2.0", "NULL"}, [3]string{"reporting_rate", "1.0", "1.0"},
		[3]string{"service_center_standard_rate", "0.0", "0.0"}, [3]string{"standard_branch_rate", "0.0", "0.0"},
		[3]string{"star_orgs", "0.0", "NULL"}, [3]string{"three_star_rate", "0.0", "0.0"},
		[3]string{"weak_orgs", "0.0", "NULL"}, [3]string{"weak_orgs_rectified", "0.0", "NULL"})
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("2023-03 figures (-want +got):\n%s", d)
	}

	if d := cmp.Diff([][]string{
		{"lx-02.xlsx", "accepted"}, {"lx-03.xlsx", "accepted"}, {"nl-03-park.xlsx", "rejected"},
		{"nl-03.xlsx", "accepted"}, {"p1-03.xlsx", "accepted"}, {"p2-03.xlsx", "rejected"},
	}, table(t, w.DB(), `SELECT path, status FROM submissions ORDER BY path`)); d != "" {
		t.Errorf("submissions (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{
		{"nl-03-park.xlsx", "wrong_form", "file", "“那楼社区”（450109100202）是村（社区），应填报村（社区）月报表，不是园区月报表"},
		{"p2-03.xlsx", "wrong_form", "file", "“第二园区综合党委”（450150000102）是园区，应填报园区两新组织党建月报表，不是村（社区）月报表"},
	}, table(t, w.DB(), `SELECT path, code, severity, message FROM issues ORDER BY path`)); d != "" {
		t.Errorf("issues (-want +got):\n%s", d)
	}
}

// TestCodeChecksBeforeSheets: the registry's checks of a form's code come
// before the required sheets, and only the first that fails is reported:
// a form missing a sheet whose code the registry rejects is told about the
// code alone; one missing a sheet with a good code about the sheet; one
// without its cover (no code to check) about the cover.
func TestCodeChecksBeforeSheets(t *testing.T) {
	missing := func(f *form.Form, sheet string) *form.Form {
		f.Add(form.Issue{Code: form.CodeMissingSheet, Severity: form.SeverityFile, Message: "缺少工作表“" + sheet + "”"})
		return f
	}
	noCover := newForm("", "")
	noCover.Cover.Code, noCover.Cover.Period = "", ""
	cases := []struct {
		name string
		f    *form.Form
		want [][]string
	}{
		{"a park form missing a sheet, with a village's code", missing(parkForm("450109100202", "2023-03"), "走访服务"),
			[][]string{{"wrong_form", "“那楼社区”（450109100202）是村（社区），应填报村（社区）月报表，不是园区月报表"}}},
		{"a village form missing a sheet, with an unknown code", missing(newForm("450109100299", "2023-03"), "诉求台账"),
			[][]string{{"unknown_code", "区划代码“450109100299”不在名册中，请核对本村（社区）的12位统计用区划代码"}}},
		{"a village form missing a sheet, with a good code", missing(newForm("450109100201", "2023-03"), "诉求台账"),
			[][]string{{"missing_sheet", "缺少工作表“诉求台账”"}}},
		{"a form without its cover", missing(noCover, "基本信息"),
			[][]string{{"missing_sheet", "缺少工作表“基本信息”"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := openTemp(t)
			runAt(t, w, mustRegistry(t, parkRegistry), time.Date(2023, 4, 10, 2, 0, 0, 0, shanghai), Settings{},
				upload{path: "f.xlsx", received: received("2023-04-02 09:00"), form: c.f})
			if d := cmp.Diff(c.want, table(t, w.DB(), `SELECT code, message FROM issues ORDER BY code`)); d != "" {
				t.Errorf("issues (-want +got):\n%s", d)
			}
			if d := cmp.Diff([][]string{{"rejected"}}, table(t, w.DB(), `SELECT status FROM submissions`)); d != "" {
				t.Errorf("status (-want +got):\n%s", d)
			}
		})
	}
}
