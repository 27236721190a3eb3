package form

import (
	"bytes"
	"database/sql"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"grassroots/definitions"
)

// parkSpec is a whole park form; stdPark gives a valid one to vary.
// 企业名册 columns: A 序号, B 企业名称, C 统一社会信用代码, D 企业类型,
// E 职工人数, F 党员人数, G 是否建立党组织, H 组建方式, I 党组织名称,
// J 是否结对共建, K 党员示范岗数. 走访服务: A 走访日期, B 企业名称,
// C 事项类别, D 协调问题数, E 已解决问题数.
type parkSpec struct {
	cover, enterprises, visits [][]any
	noVisits                   bool
	enterprisesSheet           string // default 企业名册
}

// Valid credit codes (creditcode_test.go builds and checks them).
const (
	codeJia  = "91450100MA5L8Y3K2F"
	codeBing = "51450100MJ0012345T"
)

func stdPark() *parkSpec {
	return &parkSpec{
		cover: [][]any{
			{"园区两新组织党建月报表"},
			{"单位名称", "高新区第一园区综合党委", "模板版本", "园区2023版"},
			{"单位代码", "450109500001", "报告期", "2023年5月"},
			{"专职党委书记", "陈书记", "书记助理", "林助理"},
			{"填报人", "黄文书", "联系电话", "0771-7654321"},
			{"填报日期", d(2023, 6, 2)},
		},
		enterprises: [][]any{
			{"序号", "企业名称", "统一社会信用代码", "企业类型", "职工人数", "党员人数", "是否建立党组织", "组建方式", "党组织名称", "是否结对共建", "党员示范岗数"},
			{1, "甲科技有限公司", codeJia, "民营企业", 120, 8, "是", "单独组建", "甲科技党支部", "是", 2},
			{2, "乙电子有限公司", nil, "外资企业", 300, 2, "否", "孵化培育", nil, "否", 0},
			{3, "丙行业协会", codeBing, "社会组织", 10, 3, "是", "联合组建", "园区联合党支部", nil, 1},
		},
		visits: [][]any{
			{"走访日期", "企业名称", "事项类别", "协调问题数", "已解决问题数"},
			{d(2023, 5, 10), "甲科技有限公司", "融资对接", 3, 2},
			{d(2023, 5, 20), "乙电子有限公司", "党建指导", 1, 1},
		},
	}
}

func (ps *parkSpec) build(tb testing.TB) []byte {
	name := ps.enterprisesSheet
	if name == "" {
		name = SheetEnterprises
	}
	sheets := []sheetSpec{{name: SheetCover, rows: ps.cover}, {name: name, rows: ps.enterprises}}
	if !ps.noVisits {
		sheets = append(sheets, sheetSpec{name: SheetVisits, rows: ps.visits})
	}
	return buildXLSX(tb, sheets...)
}

const (
	ent = SheetEnterprises
	vis = SheetVisits
)

func TestDefaultParkDefinitions(t *testing.T) {
	p := Default().Park
	if p == nil {
		t.Fatal("the default definitions have no park form")
	}
	for got, want := range map[string]string{
		p.Form: Park, p.CoverSheet(): SheetCover, p.SheetName("enterprises"): SheetEnterprises,
		p.SheetName("visits"): SheetVisits, p.HelpSheet(): SheetHelp, p.TemplateVersion: VersionPark2023,
		strings.Join(p.Versions, ","): VersionPark2023, Default().Form: Village,
	} {
		if got != want {
			t.Errorf("default park definitions say %q, the package constant says %q", got, want)
		}
	}
	if p.Park != nil || len(p.AnswerKeys()) != 0 {
		t.Errorf("park definitions: Park %v, answers %v", p.Park, p.AnswerKeys())
	}
	for kind, want := range map[string]*Definitions{Village: Default(), Park: p, "school": nil} {
		got, ok := Default().ForForm(kind)
		if got != want || ok != (want != nil) {
			t.Errorf("ForForm(%q) = %p, %v; want %p", kind, got, ok, want)
		}
	}
	if v, ok := p.Version("2023版"); !ok || v != VersionPark2023 {
		t.Errorf("a park form's 模板版本 2023版 is %q, %v", v, ok)
	}
}

// The standard park form reads whole, with nothing to say.
func TestParkForm(t *testing.T) {
	f := readBytes(stdPark().build(t))
	for _, i := range f.Issues {
		t.Errorf("unexpected issue: %s", i.Error())
	}
	wantEq(t, f.Kind, Park)
	wantEq(t, f.Version, VersionPark2023)
	wantEq(t, f.Rejected, false)
	wantEq(t, f.Rows, RowCounts{Read: 5})
	wantEq(t, f.Sheets, SheetNames{Cover: SheetCover, Enterprises: SheetEnterprises, Visits: SheetVisits})
	wantCover := Cover{UnitName: "高新区第一园区综合党委", Code: "450109500001", CodeCell: "B3", Period: "2023-05", PeriodCell: "D3",
		Secretary: "陈书记", Assistant: "林助理", FilledBy: "黄文书", Phone: "0771-7654321", FilledOn: d(2023, 6, 2), FormVersion: VersionPark2023}
	if diff := cmp.Diff(wantCover, f.Cover); diff != "" {
		t.Errorf("cover (-want +got):\n%s", diff)
	}
	n := func(v int64) sql.Null[int64] { return sql.Null[int64]{V: v, Valid: true} }
	b := func(v bool) sql.Null[bool] { return sql.Null[bool]{V: v, Valid: true} }
	wantEnt := []Enterprise{
		{Row: 2, Name: "甲科技有限公司", CreditCode: codeJia, Kind: EnterprisePrivate, Workers: n(120), PartyMembers: n(8),
			HasOrg: true, HowFormed: FormedStandalone, OrgName: "甲科技党支部", Paired: b(true), ModelPosts: n(2)},
		{Row: 3, Name: "乙电子有限公司", Kind: EnterpriseForeign, Workers: n(300), PartyMembers: n(2),
			HowFormed: FormedIncubated, Paired: b(false), ModelPosts: n(0)},
		{Row: 4, Name: "丙行业协会", CreditCode: codeBing, Kind: EnterpriseSocialOrg, Workers: n(10), PartyMembers: n(3),
			HasOrg: true, HowFormed: FormedJoint, OrgName: "园区联合党支部", ModelPosts: n(1)},
	}
	if diff := cmp.Diff(wantEnt, f.Enterprises); diff != "" {
		t.Errorf("enterprises (-want +got):\n%s", diff)
	}
	wantVisits := []Visit{
		{Row: 2, Date: d(2023, 5, 10), Enterprise: "甲科技有限公司", Matter: "融资对接", Problems: n(3), Solved: n(2)},
		{Row: 3, Date: d(2023, 5, 20), Enterprise: "乙电子有限公司", Matter: "党建指导", Problems: n(1), Solved: n(1)},
	}
	if diff := cmp.Diff(wantVisits, f.Visits); diff != "" {
		t.Errorf("visits (-want +got):\n%s", diff)
	}
	if len(f.Orgs)+len(f.Meetings)+len(f.Requests) != 0 {
		t.Errorf("a park form has village rows: %d %d %d", len(f.Orgs), len(f.Meetings), len(f.Requests))
	}
}

// A workbook with a sheet 企业名册, however the clerk decorated its name, is
// a park form; any other is a village form.
func TestFormKind(t *testing.T) {
	cases := []struct {
		name string
		data func(t *testing.T) []byte
		want string
	}{
		{"village form", func(t *testing.T) []byte { return stdForm(Version2022).build(t) }, Village},
		{"park form", func(t *testing.T) []byte { return stdPark().build(t) }, Park},
		{"park form, 企业名册 with a month in brackets", func(t *testing.T) []byte {
			ps := stdPark()
			ps.enterprisesSheet = "企业名册（5月）"
			return ps.build(t)
		}, Park},
		{"park form, 企业名册 with spaces and a suffix", func(t *testing.T) []byte {
			ps := stdPark()
			ps.enterprisesSheet = " 企业 名册2023"
			return ps.build(t)
		}, Park},
		{"village form with a hidden 企业名册", func(t *testing.T) []byte {
			return buildXLSX(t, sheetSpec{name: SheetCover, rows: stdCover()}, sheetSpec{name: SheetOrgs, rows: stdOrgs(Version2022)},
				sheetSpec{name: SheetRequests, rows: stdRequests(Version2022)}, sheetSpec{name: "企业名册", hidden: true})
		}, Park},
		{"名册 alone is no 企业名册", func(t *testing.T) []byte {
			return buildXLSX(t, sheetSpec{name: SheetCover, rows: stdCover()}, sheetSpec{name: SheetOrgs, rows: stdOrgs(Version2022)},
				sheetSpec{name: SheetRequests, rows: stdRequests(Version2022)}, sheetSpec{name: "名册"})
		}, Village},
		{"not a workbook", func(t *testing.T) []byte { return []byte("not a zip") }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := readBytes(tc.data(t))
			wantEq(t, f.Kind, tc.want)
		})
	}
	// A village form with a 企业名册 is read as the park form it claims to
	// be: the roster is empty, so the file is rejected for its columns.
	f := readBytes(buildXLSX(t, sheetSpec{name: SheetCover, rows: stdCover()}, sheetSpec{name: SheetOrgs, rows: stdOrgs(Version2022)},
		sheetSpec{name: "企业名册"}))
	var roster []got
	for _, g := range issuesOf(f) {
		if g.Sheet != cov { // the village cover lacks the park's 专职党委书记…
			roster = append(roster, g)
		}
	}
	if diff := cmp.Diff([]got{{ent, "", CodeMissingColumn, SeverityFile, ""}, {ent, "", CodeMissingColumn, SeverityFile, ""}}, roster); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
}

// Definitions without park.toml (an analyst's directory from before parks)
// read every workbook as a village form.
func TestDefinitionsWithoutPark(t *testing.T) {
	village, err := fs.ReadFile(definitions.Forms(), "village.toml")
	if err != nil {
		t.Fatal(err)
	}
	defs, err := LoadDefinitions(fstest.MapFS{"village.toml": {Data: village}}, "defs")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := defs.ForForm(Park); ok || defs.Park != nil {
		t.Error("definitions without park.toml have a park form")
	}
	data := stdPark().build(t)
	f := Read(bytes.NewReader(data), int64(len(data)), "t.xlsx", Options{Definitions: defs})
	wantEq(t, f.Kind, Village)
	var sheets []string
	for _, i := range f.Issues {
		if i.Code == CodeMissingSheet {
			sheets = append(sheets, i.Message)
		}
	}
	if len(sheets) != 2 || !strings.Contains(sheets[0], SheetOrgs) || !strings.Contains(sheets[1], SheetRequests) {
		t.Errorf("missing sheets: %v", sheets)
	}
}

// Each rule of the park form, as the clerk sees it: the cell, the code, the
// severity, the value found and, for the park's own rules, the message.
func TestParkRules(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(ps *parkSpec)
		want   []got
		msg    string // the message of the only issue, when set
		check  func(t *testing.T, f *Form)
	}{
		// Cover.
		{name: "cover label variants", mutate: func(ps *parkSpec) {
			ps.cover = set(ps.cover, "A2", "园区党委名称：")
			ps.cover = set(ps.cover, "A3", "统计用区划代码")
			ps.cover = set(ps.cover, "A4", "党委书记")
			ps.cover = set(ps.cover, "D2", "2023版")
		}, check: func(t *testing.T, f *Form) {
			wantEq(t, f.Cover.UnitName, "高新区第一园区综合党委")
			wantEq(t, f.Cover.Code, "450109500001")
			wantEq(t, f.Cover.Secretary, "陈书记")
			wantEq(t, f.Cover.FormVersion, VersionPark2023)
		}},
		{name: "code empty", mutate: func(ps *parkSpec) { ps.cover = set(ps.cover, "B3", nil) },
			want: []got{{cov, "B3", CodeMissingCode, SeverityFile, ""}},
			msg:  "未填写单位代码，请在“单位代码”右侧的单元格填写本单位的12位单位代码（与名册一致），如“450109100201”"},
		{name: "code not 12 digits", mutate: func(ps *parkSpec) { ps.cover = set(ps.cover, "B3", "GX-01") },
			want: []got{{cov, "B3", CodeBadCode, SeverityFile, "GX-01"}},
			msg:  "单位代码“GX-01”不是12位数字，请填写12位单位代码（与名册一致），如“450109100201”"},
		{name: "unit name empty", mutate: func(ps *parkSpec) { ps.cover = set(ps.cover, "B2", nil) },
			want: []got{{cov, "B2", CodeMissingValue, SeverityFile, ""}},
			msg:  "未填写单位名称，请在“单位名称”右侧的单元格填写本单位名称"},
		{name: "a village version on a park form", mutate: func(ps *parkSpec) { ps.cover = set(ps.cover, "D2", "2022版") },
			want:  []got{{cov, "D2", CodeBadEnum, SeverityWarning, "2022版"}},
			check: func(t *testing.T, f *Form) { wantEq(t, f.Version, VersionPark2023) }},
		{name: "optional cover fields empty", mutate: func(ps *parkSpec) {
			ps.cover = set(ps.cover, "D4", nil)
			ps.cover = set(ps.cover, "B6", "六月二日")
		}, want: []got{{cov, "D4", CodeMissingValue, SeverityWarning, ""}, {cov, "B6", CodeBadDate, SeverityWarning, "六月二日"}}},
		// 企业名册: required columns and values.
		{name: "enterprise name empty", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "B3", " ") },
			want: []got{{ent, "B3", CodeMissingValue, SeverityRow, ""}},
			check: func(t *testing.T, f *Form) {
				wantEq(t, len(f.Enterprises), 2)
				wantEq(t, f.Rows, RowCounts{Read: 5, Rejected: 1})
			}},
		{name: "has party org invalid", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "G2", "不详") },
			want:  []got{{ent, "G2", CodeBadYesNo, SeverityRow, "不详"}},
			check: func(t *testing.T, f *Form) { wantEq(t, len(f.Enterprises), 2) }},
		{name: "has party org column missing", mutate: func(ps *parkSpec) { ps.enterprises = del(ps.enterprises, "G") },
			want:  []got{{ent, "", CodeMissingColumn, SeverityFile, ""}},
			check: func(t *testing.T, f *Form) { wantEq(t, f.Rejected, true) }},
		{name: "name under its variant 单位名称", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "B1", "单位名称") },
			check: func(t *testing.T, f *Form) { wantEq(t, f.Enterprises[2].Name, "丙行业协会") }},
		{name: "optional values invalid", mutate: func(ps *parkSpec) {
			ps.enterprises = set(ps.enterprises, "D2", "个体户")
			ps.enterprises = set(ps.enterprises, "E2", -3)
			ps.enterprises = set(ps.enterprises, "J2", "结了")
		}, want: []got{
			{ent, "D2", CodeBadEnum, SeverityWarning, "个体户"},
			{ent, "E2", CodeBadNumber, SeverityWarning, "-3"},
			{ent, "J2", CodeBadYesNo, SeverityWarning, "结了"},
		}, check: func(t *testing.T, f *Form) {
			e := f.Enterprises[0]
			if e.Kind != "" || e.Workers.Valid || e.Paired.Valid || !e.PartyMembers.Valid {
				t.Errorf("%+v", e)
			}
		}},
		{name: "kind variants", mutate: func(ps *parkSpec) {
			ps.enterprises = set(ps.enterprises, "D2", "私营企业")
			ps.enterprises = set(ps.enterprises, "D3", "非公企业")
		}, check: func(t *testing.T, f *Form) {
			wantEq(t, f.Enterprises[0].Kind, EnterprisePrivate)
			wantEq(t, f.Enterprises[1].Kind, EnterprisePrivate)
		}},
		// 企业名册: credit codes.
		{name: "credit code with a wrong check character", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "C2", "91450100MA5L8Y3K2E") },
			want: []got{{ent, "C2", CodeBadCreditCode, SeverityWarning, "91450100MA5L8Y3K2E"}},
			msg:  "统一社会信用代码“91450100MA5L8Y3K2E”的校验位（第18位）不对，可能有字符抄错，请照营业执照或登记证书核对后填写；该项未计入",
			check: func(t *testing.T, f *Form) {
				wantEq(t, len(f.Enterprises), 3)
				wantEq(t, f.Enterprises[0].CreditCode, "")
			}},
		{name: "credit code of 17 characters", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "C2", "91450100MA5L8Y3K2") },
			want: []got{{ent, "C2", CodeBadCreditCode, SeverityWarning, "91450100MA5L8Y3K2"}},
			msg:  "统一社会信用代码“91450100MA5L8Y3K2”不是18位，请照营业执照或登记证书核对后填写；该项未计入"},
		{name: "credit code with the letter O", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "C2", "91450100MA5L8Y3KOF") },
			want: []got{{ent, "C2", CodeBadCreditCode, SeverityWarning, "91450100MA5L8Y3KOF"}},
			msg:  "统一社会信用代码“91450100MA5L8Y3KOF”含有不能使用的字符（只有数字和除I、O、S、V、Z以外的大写字母），请照营业执照或登记证书核对后填写；该项未计入"},
		{name: "credit code full-width, lower case, padded", mutate: func(ps *parkSpec) {
			ps.enterprises = set(ps.enterprises, "C2", " ９１４５０１００ｍａ５ｌ８ｙ３ｋ２ｆ\u3000")
		}, check: func(t *testing.T, f *Form) { wantEq(t, f.Enterprises[0].CreditCode, codeJia) }},
		{name: "credit code on a rejected row still warns", mutate: func(ps *parkSpec) {
			ps.enterprises = set(ps.enterprises, "C2", "123")
			ps.enterprises = set(ps.enterprises, "G2", nil)
		}, want: []got{{ent, "G2", CodeMissingValue, SeverityRow, ""}, {ent, "C2", CodeBadCreditCode, SeverityWarning, "123"}}},
		// 企业名册: the same enterprise twice.
		{name: "duplicate by credit code, another name", mutate: func(ps *parkSpec) {
			ps.enterprises = append(ps.enterprises, []any{4, "甲科技公司", "91450100ma5l8y3k2f", "民营企业", 5, 1, "否"})
		}, want: []got{{ent, "C5", CodeDuplicateEnterprise, SeverityRow, "91450100ma5l8y3k2f"}},
			msg: "统一社会信用代码“91450100MA5L8Y3K2F”与第2行重复，同一企业只能填写一行；本行未计入，请删除重复行或改正代码",
			check: func(t *testing.T, f *Form) {
				wantEq(t, len(f.Enterprises), 3)
				wantEq(t, f.Enterprises[0].Name, "甲科技有限公司")
				wantEq(t, f.Rows, RowCounts{Read: 6, Rejected: 1})
			}},
		{name: "duplicate by name when neither has a valid code", mutate: func(ps *parkSpec) {
			ps.enterprises = append(ps.enterprises, []any{4, " 乙电子有限公司\u3000", "不详", "外资企业", 300, 2, "否"})
		}, want: []got{{ent, "C5", CodeBadCreditCode, SeverityWarning, "不详"}, {ent, "B5", CodeDuplicateEnterprise, SeverityRow, "乙电子有限公司"}},
			check: func(t *testing.T, f *Form) { wantEq(t, len(f.Enterprises), 3) }},
		{name: "duplicate by name message", mutate: func(ps *parkSpec) {
			ps.enterprises = append(ps.enterprises, []any{4, "乙电子有限公司", nil, "外资企业", 300, 2, "否"})
		}, want: []got{{ent, "B5", CodeDuplicateEnterprise, SeverityRow, "乙电子有限公司"}},
			msg: "企业名称“乙电子有限公司”与第3行重复，同一企业只能填写一行；本行未计入，请删除重复行或改正名称"},
		{name: "same name, other valid credit code: two enterprises", mutate: func(ps *parkSpec) {
			ps.enterprises = append(ps.enterprises, []any{4, "甲科技有限公司", "91350100M000100Y43", "民营企业", 5, 1, "否"})
		}, check: func(t *testing.T, f *Form) { wantEq(t, len(f.Enterprises), 4) }},
		{name: "same name, one with a valid code and one without: identified differently", mutate: func(ps *parkSpec) {
			ps.enterprises = append(ps.enterprises, []any{4, "甲科技有限公司", nil, "民营企业", 5, 1, "否"})
		}, check: func(t *testing.T, f *Form) { wantEq(t, len(f.Enterprises), 4) }},
		{name: "a rejected first row still owns the enterprise", mutate: func(ps *parkSpec) {
			ps.enterprises = set(ps.enterprises, "G2", "也许")
			ps.enterprises = append(ps.enterprises, []any{4, "甲科技有限公司", codeJia, "民营企业", 120, 8, "是", "单独组建", "甲科技党支部"})
		}, want: []got{{ent, "G2", CodeBadYesNo, SeverityRow, "也许"}, {ent, "C5", CodeDuplicateEnterprise, SeverityRow, codeJia}},
			check: func(t *testing.T, f *Form) { wantEq(t, len(f.Enterprises), 2) }},
		// 企业名册: 组建方式 against 是否建立党组织.
		{name: "孵化培育 with an organization", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "H2", "孵化") },
			want: []got{{ent, "H2", CodeIncubatedWithOrg, SeverityWarning, "孵化"}},
			msg:  "已建立党组织的企业，组建方式不应填“孵化培育”（孵化培育指尚未建立党组织、由园区孵化培育），该项未计入；请改填“单独组建”或“联合组建”，或核实“是否建立党组织”",
			check: func(t *testing.T, f *Form) {
				e := f.Enterprises[0]
				if e.HowFormed != "" || !e.HasOrg || e.OrgName != "甲科技党支部" {
					t.Errorf("%+v", e)
				}
			}},
		{name: "单独组建 without an organization", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "H3", "单建") },
			want:  []got{{ent, "H3", CodeFormationWithoutOrg, SeverityWarning, "单建"}},
			msg:   "未建立党组织的企业，组建方式只能填“孵化培育”或不填，该项未计入；请改正组建方式或核实“是否建立党组织”",
			check: func(t *testing.T, f *Form) { wantEq(t, f.Enterprises[1].HowFormed, "") }},
		{name: "联合组建 without an organization", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "H3", "联合组建") },
			want: []got{{ent, "H3", CodeFormationWithoutOrg, SeverityWarning, "联合组建"}}},
		{name: "an invalid way of forming is only bad_enum", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "H3", "筹建") },
			want: []got{{ent, "H3", CodeBadEnum, SeverityWarning, "筹建"}}},
		{name: "no way of forming is fine either way", mutate: func(ps *parkSpec) {
			ps.enterprises = set(ps.enterprises, "H2", nil)
			ps.enterprises = set(ps.enterprises, "H3", nil)
		}, check: func(t *testing.T, f *Form) {
			wantEq(t, f.Enterprises[0].HowFormed, "")
			wantEq(t, f.Enterprises[1].HowFormed, "")
		}},
		{name: "organization without a name", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "I2", nil) },
			want: []got{{ent, "I2", CodeMissingOrgName, SeverityWarning, ""}},
			msg:  msgMissingOrgName,
			check: func(t *testing.T, f *Form) {
				e := f.Enterprises[0]
				if !e.HasOrg || e.HowFormed != "" || e.OrgName != "" {
					t.Errorf("%+v", e)
				}
			}},
		{name: "an organization name on a row without one is not kept", mutate: func(ps *parkSpec) { ps.enterprises = set(ps.enterprises, "I3", "乙电子党支部") },
			check: func(t *testing.T, f *Form) { wantEq(t, f.Enterprises[1].OrgName, "") }},
		// 走访服务.
		{name: "visit of another month", mutate: func(ps *parkSpec) { ps.visits = set(ps.visits, "A3", d(2023, 4, 28)) },
			want: []got{{vis, "A3", CodeVisitOutOfPeriod, SeverityWarning, "2023-04-28"}},
			msg:  "走访日期“2023-04-28”不在报告期“2023年5月”内，本条不计入本月；上月的记录请删除，只填本月的走访",
			check: func(t *testing.T, f *Form) {
				wantEq(t, len(f.Visits), 1)
				wantEq(t, f.Visits[0].Row, 2)
			}},
		{name: "solved more than raised", mutate: func(ps *parkSpec) { ps.visits = set(ps.visits, "E2", 5) },
			want: []got{{vis, "E2", CodeSolvedExceedsProblems, SeverityWarning, "5"}},
			msg:  "“已解决问题数”“5”大于“协调问题数”（3），请核对；这两个数均未计入，本次走访仍计入",
			check: func(t *testing.T, f *Form) {
				v := f.Visits[0]
				if len(f.Visits) != 2 || v.Problems.Valid || v.Solved.Valid || v.Matter != "融资对接" {
					t.Errorf("%+v", f.Visits)
				}
			}},
		{name: "solved as many as raised", mutate: func(ps *parkSpec) { ps.visits = set(ps.visits, "E2", 3) },
			check: func(t *testing.T, f *Form) { wantEq(t, f.Visits[0].Solved, sql.Null[int64]{V: 3, Valid: true}) }},
		{name: "one count empty: neither is used", mutate: func(ps *parkSpec) { ps.visits = set(ps.visits, "D2", nil) },
			check: func(t *testing.T, f *Form) {
				if v := f.Visits[0]; v.Problems.Valid || v.Solved.Valid {
					t.Errorf("%+v", v)
				}
			}},
		{name: "one count invalid: neither is used", mutate: func(ps *parkSpec) { ps.visits = set(ps.visits, "D2", "三个") },
			want: []got{{vis, "D2", CodeBadNumber, SeverityWarning, "三个"}},
			check: func(t *testing.T, f *Form) {
				if v := f.Visits[0]; v.Problems.Valid || v.Solved.Valid {
					t.Errorf("%+v", v)
				}
			}},
		{name: "visit date empty", mutate: func(ps *parkSpec) { ps.visits = set(ps.visits, "A2", nil) },
			want:  []got{{vis, "A2", CodeMissingValue, SeverityRow, ""}},
			check: func(t *testing.T, f *Form) { wantEq(t, len(f.Visits), 1) }},
		{name: "visited enterprise empty", mutate: func(ps *parkSpec) { ps.visits = set(ps.visits, "B3", nil) },
			want: []got{{vis, "B3", CodeMissingValue, SeverityRow, ""}}},
		{name: "matter invalid", mutate: func(ps *parkSpec) { ps.visits = set(ps.visits, "C2", "招商") },
			want:  []got{{vis, "C2", CodeBadEnum, SeverityWarning, "招商"}},
			check: func(t *testing.T, f *Form) { wantEq(t, f.Visits[0].Matter, "") }},
		{name: "visits lacking a required column are dropped", mutate: func(ps *parkSpec) { ps.visits = del(ps.visits, "B") },
			want: []got{{vis, "", CodeMissingColumn, SeverityWarning, ""}},
			check: func(t *testing.T, f *Form) {
				if f.Rejected || len(f.Visits) != 0 || len(f.Enterprises) != 3 {
					t.Errorf("rejected %v visits %d enterprises %d", f.Rejected, len(f.Visits), len(f.Enterprises))
				}
			}},
		{name: "visits sheet absent", mutate: func(ps *parkSpec) { ps.noVisits = true },
			check: func(t *testing.T, f *Form) { wantEq(t, f.Sheets.Visits, "") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := stdPark()
			tc.mutate(ps)
			f := readBytes(ps.build(t))
			wantEq(t, f.Kind, Park)
			if diff := cmp.Diff(tc.want, issuesOf(f)); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
			if tc.msg != "" {
				if len(f.Issues) != 1 {
					t.Fatalf("want one issue, got %v", f.Issues)
				}
				wantEq(t, f.Issues[0].Message, tc.msg)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

// A stopped read of a park form keeps no rows either.
func TestParkStoppedRead(t *testing.T) {
	ps := stdPark()
	for i := range 10 {
		ps.enterprises = append(ps.enterprises, []any{i + 4, "企业" + string(rune('A'+i)), nil, nil, nil, nil, "否"})
	}
	data := ps.build(t)
	f := Read(bytes.NewReader(data), int64(len(data)), "t.xlsx", Options{Limits: Limits{MaxRows: 8}})
	if !f.Rejected || len(f.Issues) != 1 || f.Issues[0].Code != CodeTooLarge || f.Enterprises != nil || f.Visits != nil || f.Rows != (RowCounts{}) {
		t.Errorf("got %v, %d enterprises, %d visits, rows %+v; want only too_large", f.Issues, len(f.Enterprises), len(f.Visits), f.Rows)
	}
}

// The village form's cover messages are worded as before parks came.
func TestVillageCoverMessages(t *testing.T) {
	for got, want := range map[string]string{
		msgMissingCode(Village):                 "未填写区划代码，请在“区划代码”右侧的单元格填写本村（社区）的12位统计用区划代码，如“450109100201”",
		msgMissingUnitName(Village):             "未填写单位名称，请在“单位名称”右侧的单元格填写本村（社区）名称",
		msgBadCode(Village, "123"):              "区划代码“123”不是12位数字，请填写12位统计用区划代码，如“450109100201”",
		msgScientificCode(Village, "4.5E+11"):   "区划代码“4.5E+11”是科学计数法，后几位数字已丢失；请先把单元格设为“文本”格式，再重新输入完整的12位代码",
		msgUnknownCode(Village, "450109100299"): "区划代码“450109100299”不在名册的村（社区）中，请核对后填写本村（社区）的12位统计用区划代码",
		msgUnknownCode(Park, "450109500009"):    "单位代码“450109500009”不在名册的园区中，请核对后填写本单位的12位单位代码（与名册一致）",
	} {
		wantEq(t, got, want)
	}
	f := readBytes(stdPark().build(t))
	wantEq(t, UnknownCodeIssue(f).Message, msgUnknownCode(Park, "450109500001"))
}

// The park form's definitions are checked like the village form's, each
// problem named with its file and key.
func TestBrokenParkDefinitions(t *testing.T) {
	parkTOML, err := fs.ReadFile(definitions.Forms(), "park.toml")
	if err != nil {
		t.Fatal(err)
	}
	base := string(parkTOML)
	cases := []struct {
		name     string
		old, new string
		want     string
	}{
		{"a village sheet on the park form", `key = "visits"`, `key = "meetings"`,
			`defs/park.toml: sheets[1].key: unknown sheet "meetings" (want enterprises or visits: a new data sheet needs a release)`},
		{"no roster", `key = "enterprises"`, `key = "roster"`, `defs/park.toml: sheets: sheet enterprises is missing`},
		{"a column grassroots cannot store", `key = "model_posts"`, `key = "revenue"`, `"revenue" is not a column of enterprises grassroots can store`},
		{"unknown value list", `enum = "visit_matter"`, `enum = "matters"`, `unknown value list "matters"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := edit(t, base, tc.old, tc.new)
			_, err := LoadDefinitions(fstest.MapFS{"village.toml": {Data: []byte(defaultTOML(t))}, "park.toml": {Data: []byte(src)}}, "defs")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tc.want)
			}
		})
	}
	// A village sheet key is refused on the park form and a park one on the
	// village form; the same kind twice is refused.
	village := edit(t, defaultTOML(t), `key = "meetings"`, `key = "visits"`)
	_, err = LoadDefinitions(fstest.MapFS{"village.toml": {Data: []byte(village)}}, "defs")
	if want := `unknown sheet "visits" (want orgs, meetings or requests`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
	_, err = LoadDefinitions(fstest.MapFS{"village.toml": {Data: []byte(defaultTOML(t))}, "park.toml": {Data: parkTOML}, "park2.toml": {Data: parkTOML}}, "defs")
	if want := `defs/park2.toml: form: the park form is defined twice (also in defs/park.toml)`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}

// The blank park form (`grassroots template --form park`): the same bytes
// every time, the park's sheets with their headers and lists, and, filled
// in by a clerk, a park form the reader takes without a word.
func TestParkTemplate(t *testing.T) {
	p := Default().Park
	var a, b bytes.Buffer
	if err := p.WriteTemplate(&a, VersionPark2023); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteTemplate(&b, VersionPark2023); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two park templates differ")
	}
	x, err := excelize.OpenReader(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if diff := cmp.Diff([]string{SheetCover, SheetEnterprises, SheetVisits, SheetHelp}, x.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	cols, _ := x.GetCols(SheetCover)
	wantLabels := []string{"园区两新组织党建月报表", "单位名称", "单位代码", "报告期", "专职党委书记", "书记助理", "填报人", "联系电话", "填报日期", "模板版本"}
	if diff := cmp.Diff(wantLabels, cols[0]); diff != "" {
		t.Errorf("cover labels (-want +got):\n%s", diff)
	}
	if v, _ := x.GetCellValue(SheetCover, "B10"); v != VersionPark2023 {
		t.Errorf("模板版本 = %q", v)
	}
	for sheet, want := range map[string][]string{
		SheetEnterprises: {"企业名称", "统一社会信用代码", "企业类型", "职工人数", "党员人数", "是否建立党组织", "组建方式", "党组织名称", "是否结对共建", "党员示范岗数"},
		SheetVisits:      {"走访日期", "企业名称", "事项类别", "协调问题数", "已解决问题数"},
	} {
		rows, err := x.GetRows(sheet)
		if err != nil || len(rows) == 0 {
			t.Fatalf("%s: %v", sheet, err)
		}
		if diff := cmp.Diff(want, rows[0]); diff != "" {
			t.Errorf("%s headers (-want +got):\n%s", sheet, diff)
		}
		wantEq(t, strings.Join(p.TemplateHeaders(sheet, VersionPark2023), ","), strings.Join(want, ","))
	}
	dvs, err := x.GetDataValidations(SheetEnterprises)
	if err != nil {
		t.Fatal(err)
	}
	lists := map[string]string{}
	for _, dv := range dvs {
		lists[strings.TrimRight(strings.Split(dv.Sqref, ":")[0], "0123456789")] = dv.Formula1
	}
	for col, item := range map[string]string{"C": "民营企业", "F": "是", "G": "孵化培育", "I": "否"} {
		if !strings.Contains(lists[col], item) {
			t.Errorf("企业名册 %s: list %q lacks %q", col, lists[col], item)
		}
	}

	// Filled in: the cover, one enterprise (a valid credit code typed into
	// the text-formatted column), one visit of the month.
	for ref, v := range map[string]any{"B2": "高新区第二园区综合党委", "B3": "450109500002", "B4": "2023年5月", "B5": "陈书记",
		"B6": "林助理", "B7": "黄文书", "B8": "0771-7654321", "B9": "2023-06-02"} {
		if err := x.SetCellValue(SheetCover, ref, v); err != nil {
			t.Fatal(err)
		}
	}
	rowE := []any{"甲科技有限公司", codeJia, "民营企业", 120, 8, "是", "单独组建", "甲科技党支部", "是", 2}
	rowV := []any{"2023-05-10", "甲科技有限公司", "政策落实", 2, 1}
	if err := x.SetSheetRow(SheetEnterprises, "A2", &rowE); err != nil {
		t.Fatal(err)
	}
	if err := x.SetSheetRow(SheetVisits, "A2", &rowV); err != nil {
		t.Fatal(err)
	}
	var filled bytes.Buffer
	if err := x.Write(&filled); err != nil {
		t.Fatal(err)
	}
	f := readBytes(filled.Bytes())
	for _, i := range f.Issues {
		t.Errorf("unexpected issue: %s", i.Error())
	}
	wantEq(t, f.Kind, Park)
	wantEq(t, f.Version, VersionPark2023)
	if len(f.Enterprises) != 1 || f.Enterprises[0].CreditCode != codeJia || len(f.Visits) != 1 || !f.Visits[0].Solved.Valid {
		t.Errorf("enterprises %+v visits %+v", f.Enterprises, f.Visits)
	}
}

// FuzzReadPark mutates a stored park form: besides never panicking, what a
// park form keeps must hold together whatever the bytes say: only valid
// credit codes, visit counts as a pair with solved ≤ raised, no village rows.
func FuzzReadPark(f *testing.F) {
	ps := stdPark()
	ps.enterprises = append(ps.enterprises, []any{4, "丁公司", "91350100M000100Y44", "国有企业", 1, 1, "是", "孵化", nil, "否", 0})
	ps.visits = append(ps.visits, []any{d(2023, 5, 21), "丁公司", "其他", 1, 2})
	good := ps.build(f)
	f.Add(good)
	stored := rezip(f, good, nil)
	f.Add(stored)
	f.Add(stored[:len(stored)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		form := Read(bytes.NewReader(data), int64(len(data)), "fuzz.xlsx", Options{Limits: Limits{MaxUnzippedBytes: 8 << 20}})
		for _, i := range form.Issues {
			if i.Code == "" || i.Message == "" || i.Severity == "" || i.Message == panicMessage {
				t.Errorf("issue %+v", i)
			}
		}
		if form.Kind == Park && len(form.Orgs)+len(form.Meetings)+len(form.Requests) > 0 {
			t.Errorf("a park form with village rows")
		}
		for _, e := range form.Enterprises {
			if e.CreditCode != "" && !ValidCreditCode(e.CreditCode) {
				t.Errorf("row %d keeps the invalid credit code %q", e.Row, e.CreditCode)
			}
			if (!e.HasOrg && e.HowFormed != "" && e.HowFormed != FormedIncubated) || (e.HasOrg && e.HowFormed == FormedIncubated) {
				t.Errorf("row %d: has org %v, formed %q", e.Row, e.HasOrg, e.HowFormed)
			}
		}
		for _, v := range form.Visits {
			if v.Problems.Valid != v.Solved.Valid || v.Solved.V > v.Problems.V {
				t.Errorf("row %d keeps problems %v, solved %v", v.Row, v.Problems, v.Solved)
			}
		}
	})
}
