package registry

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"
)

const good = `code,name,level,parent_code
450100000000,南宁市,city,
450109000000,邕宁区,district,450100000000
450109100000,那楼镇,township,450109000000
450109100001,龙象社区,community,450109100000
450109100201,那楼村,village,450109100000
450109101000,蒲庙镇,township,450109000000
`

func TestParseGood(t *testing.T) {
	reg, err := Parse(strings.NewReader(good), "registry.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.Top(); got.Code != "450100000000" || got.Level != LevelCity {
		t.Errorf("Top() = %+v", got)
	}
	var codes []string
	for _, u := range reg.Units() {
		codes = append(codes, u.Code)
	}
	want := []string{"450100000000", "450109000000", "450109100000", "450109100001", "450109100201", "450109101000"}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("Units() codes (-want +got):\n%s", diff)
	}
	wantAnc := []Unit{
		{Code: "450109100000", Name: "那楼镇", Level: LevelTownship, ParentCode: "450109000000"},
		{Code: "450109000000", Name: "邕宁区", Level: LevelDistrict, ParentCode: "450100000000"},
		{Code: "450100000000", Name: "南宁市", Level: LevelCity},
	}
	if diff := cmp.Diff(wantAnc, reg.Ancestors("450109100001")); diff != "" {
		t.Errorf("Ancestors (-want +got):\n%s", diff)
	}
	if got := reg.Ancestors("450100000000"); len(got) != 0 {
		t.Errorf("Ancestors(top) = %v, want none", got)
	}
	for code, want := range map[string]bool{
		"450109100001": true, "450109100201": true, "450109100000": false,
		"450100000000": false, "450109100299": false,
	} {
		if got := reg.IsReporting(code); got != want {
			t.Errorf("IsReporting(%s) = %v, want %v", code, got, want)
		}
	}
	if u, ok := reg.Unit("450109100201"); !ok || u.Name != "那楼村" {
		t.Errorf("Unit = %+v, %v", u, ok)
	}
	if _, ok := reg.Unit("999999999999"); ok {
		t.Error("Unit(unknown) found")
	}
}

func TestParseBad(t *testing.T) {
	const head = "code,name,level,parent_code\n"
	const top = "450100000000,南宁市,city,\n"
	tests := []struct {
		name string
		csv  string
		want error
		line int
	}{
		{"empty file", "", ErrBadHeader, 1},
		{"no header", top, ErrBadHeader, 1},
		{"header only", head, ErrNoTop, 0},
		{"short code", head + top + "45010900000,邕宁区,district,450100000000\n", ErrBadCode, 3},
		{"letters in code", head + top + "45010900000X,邕宁区,district,450100000000\n", ErrBadCode, 3},
		{"bad parent code", head + top + "450109000000,邕宁区,district,4501\n", ErrBadCode, 3},
		{"duplicate", head + top + "450109000000,邕宁区,district,450100000000\n450109000000,邕宁区,district,450100000000\n", ErrDuplicateCode, 4},
		{"bad level", head + top + "450109000000,邕宁区,county,450100000000\n", ErrBadLevel, 3},
		{"no name", head + top + "450109000000, ,district,450100000000\n", ErrMissingName, 3},
		{"unknown parent", head + top + "450109000000,邕宁区,district,450199000000\n", ErrUnknownParent, 3},
		{"two tops", head + top + "450200000000,柳州市,city,\n", ErrManyTops, 3},
		{"no top", head + "450100000000,南宁市,city,450109000000\n450109000000,邕宁区,district,450100000000\n", ErrNoTop, 0},
		{"cycle", head + top + "450109000000,邕宁区,district,450100000000\n450109100000,那楼镇,township,450109100201\n450109100201,那楼村,village,450109100000\n", ErrCycle, 4},
		// The same cycle listed with the higher code first: the error names
		// the first line of the file, not the lowest code.
		{"cycle, higher code first", head + top + "450109000000,邕宁区,district,450100000000\n450109100201,那楼村,village,450109100000\n450109100000,那楼镇,township,450109100201\n", ErrCycle, 4},
		{"self parent", head + top + "450109000000,邕宁区,district,450109000000\n", ErrCycle, 3},
		{"wrong field count", head + top + "450109000000,邕宁区\n", ErrBadRow, 3},
		{"bare quote", head + top + "450109000000,邕\"宁区,district,450100000000\n", csv.ErrBareQuote, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := Parse(strings.NewReader(tt.csv), "names.csv")
			if err == nil {
				t.Fatalf("Parse succeeded with %d units, want %v", len(reg.Units()), tt.want)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %q is not %q", err, tt.want)
			}
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("error %q is not a *registry.Error", err)
			}
			if re.Line != tt.line || re.Path != "names.csv" {
				t.Errorf("error at %s:%d, want names.csv:%d (%v)", re.Path, re.Line, tt.line, err)
			}
		})
	}
}

func TestEncodings(t *testing.T) {
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(good)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data string
	}{
		{"utf-8", good},
		{"utf-8 with BOM", "\uFEFF" + good},
		{"GB18030", gb},
		{"CRLF", strings.ReplaceAll(good, "\n", "\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "registry.csv")
			if err := os.WriteFile(path, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			reg, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			u, ok := reg.Unit("450109100001")
			if !ok || u.Name != "龙象社区" || u.Level != LevelCommunity {
				t.Errorf("Unit = %+v, %v; want 龙象社区 community", u, ok)
			}
			if got := len(reg.Units()); got != 6 {
				t.Errorf("%d units, want 6", got)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.csv"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want os.ErrNotExist", err)
	}
}

// dated is a registry through time: 平安村 (…0203) merged into 龙象社区 from
// 2021-04, 新村 (…0301) moved from 那楼镇 to 蒲庙镇 in 2021-04, and 新区社区
// (…0401) founded in 2021-03; the month columns in the cover's spellings.
const datedHead = "code,name,level,parent_code,valid_from,valid_to,successor_code\n"
const datedCSV = datedHead + `450100000000,南宁市,city,,,,
450109000000,邕宁区,district,450100000000,,,
450109100000,那楼镇,township,450109000000,,,
450109200000,蒲庙镇,township,450109000000,,,
450109100201,龙象社区,community,450109100000,,,
450109100203,平安村,village,450109100000,,2021/03,450109100201
450109100301,新村,village,450109100000,,202103,
450109100301,新村,village,450109200000,2021-4,,
450109200401,新区社区,community,450109200000,2021-03-15,,
`

func TestParseDated(t *testing.T) {
	reg, err := Parse(strings.NewReader(datedCSV), "registry.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !reg.Dated() {
		t.Error("Dated() = false")
	}
	if got := len(reg.Units()); got != 9 {
		t.Errorf("%d rows, want 9", got)
	}
	u, ok := reg.Unit("450109100301")
	if !ok || u.ParentCode != "450109200000" || u.ValidFrom != "2021-04" || u.ValidTo != "" {
		t.Errorf("Unit(新村) = %+v, want the latest row", u)
	}
	if u, _ := reg.UnitAt("450109100301", "2021-03"); u.ParentCode != "450109100000" || u.ValidTo != "2021-03" {
		t.Errorf("UnitAt(新村, 2021-03) = %+v", u)
	}
	if u, _ := reg.Unit("450109100203"); u.SuccessorCode != "450109100201" || u.ValidTo != "2021-03" {
		t.Errorf("Unit(平安村) = %+v", u)
	}
	for _, tt := range []struct {
		code, period string
		want         bool
	}{
		{"450109100203", "2021-03", true}, {"450109100203", "2021-04", false},
		{"450109200401", "2021-02", false}, {"450109200401", "2021-03", true},
		{"450109100301", "2020-01", true}, {"450109100301", "2030-01", true},
		{"450109100000", "2021-03", false},
	} {
		if got := reg.IsReportingAt(tt.code, tt.period); got != tt.want {
			t.Errorf("IsReportingAt(%s, %s) = %v, want %v", tt.code, tt.period, got, tt.want)
		}
	}
	var anc []string
	for _, a := range reg.AncestorsAt("450109100301", "2021-03") {
		anc = append(anc, a.Code)
	}
	if diff := cmp.Diff([]string{"450109100000", "450109000000", "450100000000"}, anc); diff != "" {
		t.Errorf("AncestorsAt (-want +got):\n%s", diff)
	}
	plain, err := Parse(strings.NewReader(good), "registry.csv")
	if err != nil || plain.Dated() {
		t.Errorf("a registry without the columns: Dated() = %v, %v", plain.Dated(), err)
	}
}

func TestParseDatedBad(t *testing.T) {
	const base = datedHead + `450100000000,南宁市,city,,,,
450109000000,邕宁区,district,450100000000,,,
450109100000,那楼镇,township,450109000000,,2021-06,
`
	tests := []struct {
		name string
		csv  string
		want error
		line int
	}{
		{"bad month", base + "450109100201,龙象社区,community,450109100000,2021-13,2021-05,\n", ErrBadMonth, 5},
		{"bad month text", base + "450109100201,龙象社区,community,450109100000,soon,2021-05,\n", ErrBadMonth, 5},
		{"end before start", base + "450109100201,龙象社区,community,450109100000,2021-05,2021-04,\n", ErrEndBeforeStart, 5},
		{"overlap", base + "450109100201,龙象社区,community,450109100000,,2021-04,\n450109100201,龙象社区,community,450109100000,2021-04,2021-05,\n", ErrOverlap, 6},
		{"parent not valid after", base + "450109100201,龙象社区,community,450109100000,2021-01,2021-07,\n", ErrParentNotValid, 5},
		{"parent not valid before", base + "450109200000,蒲庙镇,township,450109000000,2021-03,,\n450109200401,新区社区,community,450109200000,2021-02,,\n", ErrParentNotValid, 6},
		{"parent still valid (no end)", base + "450109100201,龙象社区,community,450109100000,,,\n", ErrParentNotValid, 5},
		{"unknown successor", base + "450109100201,龙象社区,community,450109100000,,2021-03,450109100299\n", ErrUnknownSuccessor, 5},
		{"successor without end", base + "450109100201,龙象社区,community,450109100000,,2021-03,\n450109100202,那楼社区,community,450109100000,,2021-05,450109100201\n450109100203,平安村,village,450109100000,,2021-05,\n450109100204,新村,village,450109100000,,2021-05,\n450109100205,旧村,village,450109100000,2021-02,,450109100204\n", ErrSuccessorNoEnd, 9},
		{"successor loop", base + "450109100201,龙象社区,community,450109100000,,2021-03,450109100202\n450109100202,那楼社区,community,450109100000,,2021-03,450109100201\n", ErrSuccessorCycle, 5},
		{"two tops in a month", base + "450200000000,柳州市,city,,2021-06,,\n", ErrManyTops, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := Parse(strings.NewReader(tt.csv), "names.csv")
			if err == nil {
				t.Fatalf("Parse succeeded with %d units, want %v", len(reg.Units()), tt.want)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %q is not %q", err, tt.want)
			}
			var re *Error
			if !errors.As(err, &re) {
				t.Fatalf("error %q is not a *registry.Error", err)
			}
			if re.Line != tt.line {
				t.Errorf("error at line %d, want %d (%v)", re.Line, tt.line, err)
			}
		})
	}
	// Two tops one after the other are one top per month.
	if _, err := Parse(strings.NewReader(datedHead+"450100000000,南宁市,city,,,2021-05,\n450200000000,新市,city,,2021-06,,\n"), "names.csv"); err != nil {
		t.Errorf("successive tops: %v", err)
	}
}
