package form

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// got is an issue as the tests compare it.
type got struct {
	Sheet, Cell, Code string
	Sev               Severity
	Value             string
}

func issuesOf(f *Form) []got {
	var out []got
	for _, i := range f.Issues {
		out = append(out, got{i.Sheet, i.Cell, i.Code, i.Severity, i.Value})
	}
	return out
}

const (
	cov = SheetCover
	org = SheetOrgs
	mtg = SheetMeetings
	req = SheetRequests
)

func TestRules(t *testing.T) {
	v22 := Version2022
	cases := []struct {
		name    string
		version string // default 2022版
		mutate  func(fs *formSpec)
		want    []got
		check   func(t *testing.T, f *Form)
	}{
		{name: "valid form has no issues", want: nil, check: func(t *testing.T, f *Form) {
			if f.Rejected || len(f.Requests) != 2 || len(f.Orgs) != 2 || len(f.Meetings) != 1 || f.Rows != (RowCounts{Read: 5}) {
				t.Errorf("got %+v rows %+v", f, f.Rows)
			}
		}},
		// Cover: code.
		{name: "code empty", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "B3", nil) },
			want: []got{{cov, "B3", CodeMissingCode, SeverityFile, ""}}},
		{name: "code label absent", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "A3", "代码?") },
			want: []got{{cov, "", CodeMissingCode, SeverityFile, ""}}},
		{name: "code in scientific notation as text", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "B3", "4.50109E+11") },
			want: []got{{cov, "B3", CodeBadCode, SeverityFile, "4.50109E+11"}}},
		{name: "code with 11 digits", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "B3", "45010910020") },
			want: []got{{cov, "B3", CodeBadCode, SeverityFile, "45010910020"}}},
		{name: "code as a number cell", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "B3", 450109100201) },
			check: func(t *testing.T, f *Form) { wantEq(t, f.Cover.Code, "450109100201") }},
		{name: "code as a number in exponent form", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "B3", num("4.50109100201E+11")) },
			check: func(t *testing.T, f *Form) { wantEq(t, f.Cover.Code, "450109100201") }},
		{name: "code with spaces and full-width digits", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "B3", " ４５０１ ０９１０ ０２０１\u3000") },
			check: func(t *testing.T, f *Form) { wantEq(t, f.Cover.Code, "450109100201") }},
		// Cover: period.
		{name: "period empty", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "D3", "") },
			want: []got{{cov, "D3", CodeMissingPeriod, SeverityFile, ""}}},
		{name: "period invalid month", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "D3", "2021年13月") },
			want: []got{{cov, "D3", CodeBadPeriod, SeverityFile, "2021年13月"}}},
		{name: "period number with a decimal point", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "D3", 2021.1) },
			want: []got{{cov, "D3", CodeAmbiguousPeriod, SeverityFile, "2021.1"}}},
		{name: "period label variant 所属月份：", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "C3", "所属月份：") },
			check: func(t *testing.T, f *Form) { wantEq(t, f.Cover.Period, "2021-03"); wantEq(t, f.Cover.PeriodCell, "D3") }},
		// Cover: other fields.
		{name: "unit name empty rejects", mutate: func(fs *formSpec) { fs.cover = set(fs.cover, "B2", " ") },
			want: []got{{cov, "B2", CodeMissingValue, SeverityFile, ""}}},
		{name: "optional cover fields invalid or empty warn", mutate: func(fs *formSpec) {
			fs.cover = set(fs.cover, "D2", "乡")
			fs.cover = set(fs.cover, "D4", "不知道")
			fs.cover = set(fs.cover, "D5", "四个")
			fs.cover = set(fs.cover, "B6", nil)
			fs.cover = set(fs.cover, "D8", "2021-02-30")
			fs.cover = set(fs.cover, "A4", "书记")
		}, want: []got{
			{cov, "D2", CodeBadEnum, SeverityWarning, "乡"},
			{cov, "", CodeMissingValue, SeverityWarning, ""},
			{cov, "D4", CodeBadYesNo, SeverityWarning, "不知道"},
			{cov, "D5", CodeBadNumber, SeverityWarning, "四个"},
			{cov, "B6", CodeMissingValue, SeverityWarning, ""},
			{cov, "D8", CodeBadDate, SeverityWarning, "2021-02-30"},
		}, check: func(t *testing.T, f *Form) {
			if f.Rejected || f.Cover.Grids.Valid || f.Cover.GridWorkers.Valid || f.Cover.OneShoulder.Valid || !f.Cover.FilledOn.IsZero() || f.Cover.Kind != "" {
				t.Errorf("cover %+v", f.Cover)
			}
		}},
		{name: "label spellings: straight quotes, colons, 村（社区）名称", mutate: func(fs *formSpec) {
			fs.cover = set(fs.cover, "A2", "村（社区）名称:")
			fs.cover = set(fs.cover, "C4", `书记是否"一肩挑"：`)
			fs.cover = set(fs.cover, "D4", "N")
			fs.cover = set(fs.cover, "C6", "党群理事会")
			fs.cover = set(fs.cover, "D6", false)
			fs.cover = set(fs.cover, "A10", "模板版本")
			fs.cover = set(fs.cover, "B10", "2022")
		}, check: func(t *testing.T, f *Form) {
			wantEq(t, f.Cover.UnitName, "龙象社区")
			if !f.Cover.OneShoulder.Valid || f.Cover.OneShoulder.V || !f.Cover.Council.Valid || f.Cover.Council.V {
				t.Errorf("yes/no: %+v", f.Cover)
			}
			wantEq(t, f.Cover.FormVersion, Version2022)
		}},
		{name: "merged label: value right of the merge", mutate: func(fs *formSpec) {
			fs.cover = [][]any{{"单位名称", nil, "龙象社区"}, {"区划代码", nil, "450109100201"}, {"报告期", nil, "2021-03"}}
			fs.coverMerges = [][2]string{{"A1", "B1"}, {"A2", "B2"}, {"A3", "B3"}}
		}, want: []got{
			{cov, "", CodeMissingValue, SeverityWarning, ""}, {cov, "", CodeMissingValue, SeverityWarning, ""},
			{cov, "", CodeMissingValue, SeverityWarning, ""}, {cov, "", CodeMissingValue, SeverityWarning, ""},
			{cov, "", CodeMissingValue, SeverityWarning, ""}, {cov, "", CodeMissingValue, SeverityWarning, ""},
			{cov, "", CodeMissingValue, SeverityWarning, ""}, {cov, "", CodeMissingValue, SeverityWarning, ""},
			{cov, "", CodeMissingValue, SeverityWarning, ""}, {cov, "", CodeMissingValue, SeverityWarning, ""},
			{cov, "", CodeMissingValue, SeverityWarning, ""},
		}, check: func(t *testing.T, f *Form) {
			wantEq(t, f.Cover.Code, "450109100201")
			wantEq(t, f.Cover.CodeCell, "C2")
		}},
		// Sheets and columns.
		{name: "missing required sheet", mutate: func(fs *formSpec) { fs.orgs = nil },
			want: []got{{"", "", CodeMissingSheet, SeverityFile, ""}}},
		{name: "optional meetings sheet absent", mutate: func(fs *formSpec) { fs.noMeetings = true }},
		{name: "missing required column", mutate: func(fs *formSpec) { fs.requests = del(fs.requests, "K") },
			want: []got{{req, "", CodeMissingColumn, SeverityFile, ""}}},
		{name: "no header row in the first 10 rows", mutate: func(fs *formSpec) {
			fs.requests = append(make([][]any, 9), fs.requests...)
		}, want: []got{
			{req, "", CodeMissingColumn, SeverityFile, ""}, {req, "", CodeMissingColumn, SeverityFile, ""},
			{req, "", CodeMissingColumn, SeverityFile, ""}, {req, "", CodeMissingColumn, SeverityFile, ""},
		}},
		{name: "meetings lacking a required column are dropped", mutate: func(fs *formSpec) { fs.meetings = del(fs.meetings, "B") },
			want: []got{{mtg, "", CodeMissingColumn, SeverityWarning, ""}},
			check: func(t *testing.T, f *Form) {
				if f.Rejected || len(f.Meetings) != 0 || f.Rows.Read != 4 {
					t.Errorf("rejected %v meetings %d rows %+v", f.Rejected, len(f.Meetings), f.Rows)
				}
			}},
		{name: "totals, empty rows and 序号-only rows are skipped", mutate: func(fs *formSpec) {
			fs.requests = append(fs.requests, nil, []any{3}, []any{nil, "合 计", 2}, []any{"小计"})
		}, check: func(t *testing.T, f *Form) { wantEq(t, f.Rows.Read, 5) }},
		// 点单台账 rows.
		{name: "requested-on empty", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "C3", nil) },
			want:  []got{{req, "C3", CodeMissingValue, SeverityRow, ""}},
			check: func(t *testing.T, f *Form) { wantEq(t, len(f.Requests), 1); wantEq(t, f.Rows, RowCounts{5, 1}) }},
		{name: "requested-on invalid", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "C3", "2021-13-05") },
			want: []got{{req, "C3", CodeBadDate, SeverityRow, "2021-13-05"}}},
		{name: "request id empty", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "B4", "") },
			want: []got{{req, "B4", CodeMissingValue, SeverityRow, ""}}},
		{name: "state invalid", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "L3", "搞定了") },
			want: []got{{req, "L3", CodeBadEnum, SeverityRow, "搞定了"}}},
		{name: "duplicate request id", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "B4", " DD001") },
			want:  []got{{req, "B4", CodeDuplicateRequest, SeverityRow, "DD001"}},
			check: func(t *testing.T, f *Form) { wantEq(t, len(f.Requests), 1); wantEq(t, f.Requests[0].Row, 3) }},
		{name: "resolved without resolved-on", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "K3", nil) },
			want: []got{{req, "K3", CodeMissingResolvedOn, SeverityRow, ""}}},
		{name: "resolved with invalid resolved-on", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "K3", "上周") },
			want: []got{{req, "K3", CodeBadDate, SeverityRow, "上周"}}},
		{name: "unresolved with invalid resolved-on warns", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "K4", "上周") },
			want: []got{{req, "K4", CodeBadDate, SeverityWarning, "上周"}}},
		{name: "optional enum, date, yes/no invalid", mutate: func(fs *formSpec) {
			fs.requests = set(fs.requests, "F3", "路灯")
			fs.requests = set(fs.requests, "H3", "3月2日")
			fs.requests = set(fs.requests, "M3", "也许")
			fs.requests = set(fs.requests, "O3", "好")
		}, want: []got{
			{req, "F3", CodeBadEnum, SeverityWarning, "路灯"},
			{req, "H3", CodeBadDate, SeverityWarning, "3月2日"},
			{req, "M3", CodeBadYesNo, SeverityWarning, "也许"},
			{req, "O3", CodeBadEnum, SeverityWarning, "好"},
		}, check: func(t *testing.T, f *Form) {
			r := f.Requests[0]
			if r.Category != "" || !r.DispatchedOn.IsZero() || r.Dispute.Valid || r.Rating != "" {
				t.Errorf("%+v", r)
			}
		}},
		{name: "dispatched before requested", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "H3", d(2021, 2, 28)) },
			want:  []got{{req, "H3", CodeDispatchedBeforeRequest, SeverityWarning, "2021-02-28"}},
			check: func(t *testing.T, f *Form) { wantEq(t, f.Requests[0].DispatchedOn.IsZero(), true) }},
		{name: "resolved before requested keeps the state", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "K3", d(2021, 2, 27)) },
			want: []got{{req, "K3", CodeResolvedBeforeRequest, SeverityWarning, "2021-02-27"}},
			check: func(t *testing.T, f *Form) {
				wantEq(t, f.Requests[0].ResolvedOn.IsZero(), true)
				wantEq(t, f.Requests[0].State, StateResolved)
			}},
		{name: "rating on an unresolved request", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "O4", "非常满意") },
			want:  []got{{req, "O4", CodeRatingUnresolved, SeverityWarning, "非常满意"}},
			check: func(t *testing.T, f *Form) { wantEq(t, f.Requests[1].Rating, "") }},
		{name: "mediation on a non-dispute", mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "N3", "成功") },
			want:  []got{{req, "N3", CodeMediationNotDispute, SeverityWarning, "成功"}},
			check: func(t *testing.T, f *Form) { wantEq(t, f.Requests[0].Mediation, "") }},
		{name: "state variants", mutate: func(fs *formSpec) {
			fs.requests = set(fs.requests, "L3", "已完成")
			fs.requests = set(fs.requests, "L4", "未受理")
		}, check: func(t *testing.T, f *Form) {
			wantEq(t, f.Requests[0].State, StateResolved)
			wantEq(t, f.Requests[1].State, StateUnaccepted)
		}},
		{name: "2021版 是否办结", version: Version2021, mutate: func(fs *formSpec) {
			fs.requests = set(fs.requests, "J3", "Y")
			fs.requests = set(fs.requests, "J4", "×")
		}, check: func(t *testing.T, f *Form) {
			wantEq(t, f.Requests[0].State, StateResolved)
			wantEq(t, f.Requests[1].State, StateInProgress)
			wantEq(t, f.Version, Version2021)
		}},
		{name: "2021版 是否办结 invalid", version: Version2021, mutate: func(fs *formSpec) { fs.requests = set(fs.requests, "J3", "办完") },
			want: []got{{req, "J3", CodeBadYesNo, SeverityRow, "办完"}}},
		// 组织覆盖 rows.
		{name: "has-org empty", mutate: func(fs *formSpec) { fs.orgs = set(fs.orgs, "D3", nil) },
			want: []got{{org, "D3", CodeMissingValue, SeverityRow, ""}}},
		{name: "unit type invalid", mutate: func(fs *formSpec) { fs.orgs = set(fs.orgs, "C2", "学校") },
			want: []got{{org, "C2", CodeBadEnum, SeverityRow, "学校"}}},
		{name: "unit type and has-org variants", mutate: func(fs *formSpec) {
			fs.orgs = set(fs.orgs, "C2", "非公企业")
			fs.orgs = set(fs.orgs, "D2", "有")
			fs.orgs = set(fs.orgs, "D3", "无")
		}, check: func(t *testing.T, f *Form) {
			wantEq(t, f.Orgs[0].Type, UnitEnterprise)
			wantEq(t, f.Orgs[0].HasOrg, true)
			wantEq(t, f.Orgs[1].HasOrg, false)
		}},
		{name: "yes without org name", mutate: func(fs *formSpec) { fs.orgs = set(fs.orgs, "F2", nil) },
			want:  []got{{org, "F2", CodeMissingOrgName, SeverityWarning, ""}},
			check: func(t *testing.T, f *Form) { wantEq(t, len(f.Orgs), 2); wantEq(t, f.Orgs[0].HasOrg, true) }},
		{name: "formation on a no row", mutate: func(fs *formSpec) { fs.orgs = set(fs.orgs, "E3", "联建") },
			want:  []got{{org, "E3", CodeFormationWithoutOrg, SeverityWarning, "联建"}},
			check: func(t *testing.T, f *Form) { wantEq(t, f.Orgs[1].HowFormed, "") }},
		{name: "formation conflict", mutate: func(fs *formSpec) {
			fs.orgs = append(fs.orgs, []any{3, "龙象超市", "两新组织", "是", "联合", "龙象小区党支部", nil})
		}, want: []got{{org, "E4", CodeFormationConflict, SeverityWarning, "联合"}},
			check: func(t *testing.T, f *Form) { wantEq(t, f.Orgs[2].HowFormed, FormedStandalone) }},
		{name: "formation taken from the first row even when it is empty", mutate: func(fs *formSpec) {
			fs.orgs = set(fs.orgs, "E2", nil)
			fs.orgs = append(fs.orgs, []any{3, "龙象超市", "两新组织", "是", "单独", "龙象小区党支部", nil})
		}, want: []got{{org, "E4", CodeFormationConflict, SeverityWarning, "单独"}},
			check: func(t *testing.T, f *Form) { wantEq(t, f.Orgs[0].HowFormed, ""); wantEq(t, f.Orgs[2].HowFormed, "") }},
		{name: "a later row leaving the formation empty agrees", mutate: func(fs *formSpec) {
			fs.orgs = append(fs.orgs, []any{3, "龙象超市", "两新组织", "是", nil, "龙象小区党支部", nil})
		}, check: func(t *testing.T, f *Form) { wantEq(t, f.Orgs[2].HowFormed, FormedStandalone) }},
		{name: "org members invalid", mutate: func(fs *formSpec) { fs.orgs = set(fs.orgs, "G2", -3) },
			want: []got{{org, "G2", CodeBadNumber, SeverityWarning, "-3"}}},
		// 议事记录 rows.
		{name: "meeting out of period", mutate: func(fs *formSpec) { fs.meetings = set(fs.meetings, "A2", d(2021, 2, 20)) },
			want:  []got{{mtg, "A2", CodeMeetingOutOfPeriod, SeverityWarning, "2021-02-20"}},
			check: func(t *testing.T, f *Form) { wantEq(t, len(f.Meetings), 0); wantEq(t, f.Rows, RowCounts{5, 0}) }},
		{name: "meeting topic empty", mutate: func(fs *formSpec) { fs.meetings = set(fs.meetings, "B2", nil) },
			want: []got{{mtg, "B2", CodeMissingValue, SeverityRow, ""}}},
		{name: "meeting optional values invalid", mutate: func(fs *formSpec) {
			fs.meetings = set(fs.meetings, "C2", "党建")
			fs.meetings = set(fs.meetings, "D2", 6.5)
			fs.meetings = set(fs.meetings, "F2", "落实了")
		}, want: []got{
			{mtg, "C2", CodeBadEnum, SeverityWarning, "党建"},
			{mtg, "D2", CodeBadNumber, SeverityWarning, "6.5"},
			{mtg, "F2", CodeBadEnum, SeverityWarning, "落实了"},
		}},
		{name: "meeting counts as text and full-width", mutate: func(fs *formSpec) {
			fs.meetings = set(fs.meetings, "D2", " ５６ ")
			fs.meetings = set(fs.meetings, "E2", "12.0")
		}, check: func(t *testing.T, f *Form) {
			wantEq(t, f.Meetings[0].MembersPresent.V, int64(56))
			wantEq(t, f.Meetings[0].ResidentsPresent.V, int64(12))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.version
			if v == "" {
				v = v22
			}
			fs := stdForm(v)
			if tc.mutate != nil {
				tc.mutate(fs)
			}
			f := readBytes(fs.build(t))
			if diff := cmp.Diff(tc.want, issuesOf(f)); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
				for _, i := range f.Issues {
					t.Log(i.Error())
				}
			}
			wantRejected := false
			for _, w := range tc.want {
				wantRejected = wantRejected || w.Sev == SeverityFile
			}
			if f.Rejected != wantRejected {
				t.Errorf("Rejected = %v, want %v", f.Rejected, wantRejected)
			}
			for _, i := range f.Issues {
				if i.Message == "" || i.Path != "t.xlsx" {
					t.Errorf("issue without message or path: %+v", i)
				}
				for _, name := range []string{"张三", "李四"} {
					if strings.Contains(i.Value, name) || strings.Contains(i.Message, name) {
						t.Errorf("issue shows a resident's name: %+v", i)
					}
				}
			}
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

func wantEq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}
