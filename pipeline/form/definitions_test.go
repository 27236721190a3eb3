package form

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"grassroots/definitions"
)

// defaultTOML is the embedded village.toml, which the broken variants below
// start from.
func defaultTOML(t *testing.T) string {
	t.Helper()
	b, err := fs.ReadFile(definitions.Forms(), "village.toml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit replaces old (which must occur) by new in s.
func edit(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("the definitions no longer contain %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

// lineOf is the 1-based line of s that starts with prefix, as text.
func lineOf(t *testing.T, s, prefix string) string {
	for i, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return strconv.Itoa(i + 1)
		}
	}
	t.Fatalf("no line starts with %q", prefix)
	return ""
}

func TestDefaultDefinitionsNames(t *testing.T) {
	d := Default()
	for got, want := range map[string]string{
		d.CoverSheet(): SheetCover, d.SheetName("orgs"): SheetOrgs, d.SheetName("meetings"): SheetMeetings,
		d.SheetName("requests"): SheetRequests, d.HelpSheet(): SheetHelp,
	} {
		if got != want {
			t.Errorf("default definitions name a sheet %q, the package constant says %q", got, want)
		}
	}
	if strings.Join(d.Versions, ",") != Version2021+","+Version2022+",2023版" || d.TemplateVersion != Version2022 {
		t.Errorf("default versions %v, template's %s", d.Versions, d.TemplateVersion)
	}
	want := "[{star_rating stars} {standard_branch yesno} {weak_org yesno} {service_center_standard yesno} {grid_party_groups count} {dual_report_members count}]"
	if k := fmt.Sprint(d.AnswerKeys()); k != want {
		t.Errorf("the default cover's answers are %s, want %s", k, want)
	}
}

// Each broken definition is refused with the file and the key that is
// wrong, before any form is read.
func TestBrokenDefinitions(t *testing.T) {
	base := defaultTOML(t)
	cases := []struct {
		name     string
		old, new string
		want     string // in the error
	}{
		{"unknown rule", `key = "topic"
headers = ["议题"]
kind = "text"
required = true
rule = "reject_row"`, `key = "topic"
headers = ["议题"]
kind = "text"
required = true
rule = "reject"`, `village.toml: sheets[1].columns[1] "topic".rule: unknown rule "reject"`},
		{"header claimed by two columns", `headers = ["诉求内容"]`, `headers = ["诉求内容", "点单人"]`,
			`header "点单人" is claimed by two columns in 2021版 (resident and content)`},
		{"required column without a rule", `key = "unit_name"
headers = ["单位名称"]
kind = "text"
required = true
rule = "reject_row"`, `key = "unit_name"
headers = ["单位名称"]
kind = "text"
required = true`, `sheets[0].columns[0] "unit_name".rule: a required column needs a rule`},
		{"version that collides", `variants = ["2022", "2022年版", "2022版本"]`, `variants = ["2022", "2021年版"]`,
			`versions[1]: version "2022版": "2021年版" already names version "2021版"`},
		{"version listed twice", `name = "2022版"`, `name = "2021版"`, `versions[1]: version "2021版" is listed twice`},
		{"misspelt key", `personal = true # residents' data`, `persnal = true # residents' data`,
			`sheets.columns.persnal: unknown key`},
		{"syntax error", `title = "村（社区）党建引领基层治理月报表"`, `title = "村（社区）党建引领基层治理月报表`, "village.toml: line " + lineOf(t, base, "title = ") + ": "},
		{"unknown value list", `enum = "follow_up"`, `enum = "followup"`, `enum: unknown value list "followup"`},
		{"unknown version in since", `since = "2022版"
`, `since = "2030版"
`, `since: unknown version "2030版"`},
		{"column grassroots cannot store", `key = "note"`, `key = "remark"`, `"remark" is not a column of orgs grassroots can store`},
		{"cover label claimed twice", `labels = ["网格员数"]`, `labels = ["网格员数", "网格数"]`, `label "网格数" is claimed by two fields (grids and grid_workers)`},
		{"identifying field not reject_file", `kind = "period"
rule = "reject_file"`, `kind = "period"
rule = "warn"`, `"period".rule: the period field identifies the form`},
		{"enum spelling meaning two values", `{ value = "未评价" }`, `{ value = "未评价", variants = ["满意"] }`, `"满意" already means "满意"`},
		{"unknown kind", `kind = "count"`, `kind = "number"`, `.kind: "number" is not a kind here`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := edit(t, base, tc.old, tc.new)
			_, err := LoadDefinitions(fstest.MapFS{"village.toml": {Data: []byte(src)}}, "defs")
			if err == nil {
				t.Fatal("broken definitions were accepted")
			}
			var de DefinitionErrors
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a DefinitionErrors", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "defs/village.toml: ") {
				t.Errorf("error:\n%v\nwant it to start with the file and contain %q", err, tc.want)
			}
		})
	}
}

func TestDefinitionsWithoutVillageForm(t *testing.T) {
	_, err := LoadDefinitions(fstest.MapFS{"README.md": {Data: []byte("x")}}, "defs")
	if err == nil || !strings.Contains(err.Error(), "defs: no village.toml") {
		t.Errorf("err = %v", err)
	}
	// park is a kind grassroots reads (park_test.go); a kind it does not
	// know is refused by name.
	_, err = LoadDefinitions(fstest.MapFS{"school.toml": {Data: []byte(`form = "school"`)}}, "defs")
	if err == nil || !strings.Contains(err.Error(), `defs/school.toml: form: form kind "school" is not one grassroots reads (want village or park)`) {
		t.Errorf("err = %v", err)
	}
}
