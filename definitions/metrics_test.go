package definitions

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDefaultMetrics checks the built-in file against the metrics of
// docs/metrics.md: every metric in the order of the workbooks' columns, with
// its kind, and the 预警清单 rules of docs/outputs.md.
func TestDefaultMetrics(t *testing.T) {
	ms, err := ParseMetrics(defaultMetrics, DefaultMetricsFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	rules := map[string]string{}
	var headline []string
	for _, m := range ms.List {
		got = append(got, m.Name+" "+m.Kind+" "+m.Family+" "+m.Title)
		if m.Threshold != nil {
			rules[m.Name] = m.Direction + " " + strconv.FormatFloat(*m.Threshold, 'g', -1, 64)
		}
		if m.Headline {
			headline = append(headline, m.Name)
		}
	}
	want := []string{
		"reporting_rate ratio reporting 报送率",
		"timely_rate ratio reporting 及时率",
		"coverage_all ratio coverage 党组织覆盖率",
		"coverage_residential ratio coverage 居民小区覆盖率",
		"coverage_enterprise ratio coverage 两新组织覆盖率",
		"coverage_cooperative ratio coverage 合作社覆盖率",
		"coverage_family_farm ratio coverage 家庭农场覆盖率",
		"orgs_standalone count coverage 单独组建党组织数",
		"orgs_joint count coverage 联合组建党组织数",
		"council_coverage ratio cover 党群理事会覆盖率",
		"group_coverage ratio cover 议事小组覆盖率",
		"one_shoulder_rate ratio cover 书记一肩挑比例",
		"deliberation_followup_rate ratio deliberation 议事落实率",
		"requests_total count requests 点单总数",
		"requests_unaccepted count requests 未受理数",
		"resolution_rate ratio requests 办结率",
		"ontime_rate ratio requests 按期办结率",
		"rating_rate ratio requests 评单率",
		"satisfaction_rate ratio requests 满意率",
		"mediation_success_rate ratio requests 调处成功率",
		"days_to_resolve_median median requests 办结天数中位数",
		"three_star_rate ratio assessment 三星级以上党组织占比",
		"star_orgs count assessment 三星级以上党组织数",
		"standard_branch_rate ratio assessment 达标率",
		"weak_orgs count assessment 软弱涣散党组织数",
		"weak_orgs_rectified count assessment 软弱涣散党组织整顿转化数",
		"service_center_standard_rate ratio assessment 党群服务中心标准化率",
		"grid_group_coverage ratio assessment 网格党小组覆盖率",
		"dual_report_members count assessment 双报到在职党员数",
		"enterprise_party_coverage ratio parks 园区企业党组织覆盖率",
		"enterprises_total count parks 园区企业数",
		"enterprises_incubating count parks 孵化培育企业数",
		"enterprises_paired count parks 结对共建企业数",
		"enterprise_party_members count parks 园区企业党员数",
		"enterprise_workers count parks 园区企业职工数",
		"model_posts count parks 党员示范岗数",
		"park_visits count parks 走访企业次数",
		"park_problem_solved_rate ratio parks 问题解决率",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("default metrics (-want +got):\n%s", d)
	}
	wantRules := map[string]string{
		"coverage_all": "below 1", "coverage_residential": "below 1", "coverage_enterprise": "below 1",
		"coverage_cooperative": "below 1", "coverage_family_farm": "below 1",
		"resolution_rate": "below 0.8", "satisfaction_rate": "below 0.9", "enterprise_party_coverage": "below 1",
	}
	if d := cmp.Diff(wantRules, rules); d != "" {
		t.Errorf("预警清单 rules (-want +got):\n%s", d)
	}
	wantHeadline := []string{"reporting_rate", "timely_rate", "coverage_all", "resolution_rate", "satisfaction_rate"}
	if d := cmp.Diff(wantHeadline, headline); d != "" {
		t.Errorf("headline (-want +got):\n%s", d)
	}
	if DefaultMetrics().Digest() != ms.Digest() {
		t.Error("the digest of the same definitions differs")
	}
}

// TestSatisfiedOnlyExample: the shipped example changes one key of one
// metric and leaves everything else as built in.
func TestSatisfiedOnlyExample(t *testing.T) {
	ms, err := LoadMetrics("examples/satisfied-only.toml")
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultMetrics()
	if len(ms.List) != len(def.List) {
		t.Fatalf("%d metrics, want the %d built-in ones", len(ms.List), len(def.List))
	}
	for i, m := range ms.List {
		d := def.List[i]
		if m.Name == "satisfaction_rate" {
			if m.Numerator != "count(*) FILTER (WHERE state = '已办结' AND rating = '满意')" {
				t.Errorf("numerator %q", m.Numerator)
			}
			if m.Denominator != d.Denominator || m.Title != d.Title || *m.Threshold != 0.9 || m.Direction != "below" || !m.Headline {
				t.Errorf("the example changed more than the numerator: %+v", m)
			}
			if m.FigureDigest() == d.FigureDigest() {
				t.Error("the figures' digest did not change with the numerator")
			}
			if m.File != "examples/satisfied-only.toml" || m.Line != 12 {
				t.Errorf("defined at %s:%d, want examples/satisfied-only.toml:12", m.File, m.Line)
			}
			continue
		}
		if m.FigureDigest() != d.FigureDigest() || m.Title != d.Title {
			t.Errorf("%s changed: %+v", m.Name, m)
		}
	}
	if ms.Digest() == def.Digest() {
		t.Error("the definitions' digest did not change")
	}
}

func TestParseMetricsOverride(t *testing.T) {
	const file = `
[[metric]]
name = "resolution_rate"
title = "结案率"
direction = ""

[[metric]]
name = "requests_total"
kind = "ratio"
denominator = "1"

[[metric]]
name = "disputes"
title = "矛盾纠纷数"
kind = "count"
family = "requests"
source = "requests"
numerator = "count(*) FILTER (WHERE dispute)"
threshold = 10
direction = "above"
`
	ms, err := ParseMetrics([]byte(file), "city.toml", DefaultMetrics())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Metric{}
	for _, m := range ms.List {
		byName[m.Name] = m
	}
	if m := byName["resolution_rate"]; m.Title != "结案率" || m.Threshold != nil || m.Direction != "" || m.Numerator == "" {
		t.Errorf("resolution_rate: %+v", m)
	}
	if m := byName["requests_total"]; m.Kind != KindRatio || m.Denominator != "1" || m.Numerator != "count(*)" {
		t.Errorf("requests_total: %+v", m)
	}
	last := ms.List[len(ms.List)-1]
	if last.Name != "disputes" || *last.Threshold != 10 || last.Direction != DirectionAbove || last.Line != 12 {
		t.Errorf("new metric, last: %+v", last)
	}
	if len(ms.List) != len(DefaultMetrics().List)+1 {
		t.Errorf("%d metrics", len(ms.List))
	}

	// complete = true: the file is every metric.
	ms, err = ParseMetrics([]byte("complete = true\n"+file[strings.Index(file, "[[metric]]\nname = \"disputes\""):]), "city.toml", DefaultMetrics())
	if err != nil {
		t.Fatal(err)
	}
	if len(ms.List) != 1 || ms.List[0].Name != "disputes" {
		t.Errorf("complete file: %+v", ms.List)
	}
}

// TestParseMetricsErrors: each broken definition is reported with the
// file, the line, the metric and the key, all of them at once.
func TestParseMetricsErrors(t *testing.T) {
	const ratio = "[[metric]]\nname = \"m\"\ntitle = \"指标\"\nkind = \"ratio\"\nfamily = \"requests\"\nsource = \"requests\"\nnumerator = \"count(*)\"\ndenominator = \"count(*)\"\n"
	tests := []struct {
		name string
		file string
		want []string // each the whole text of one error
	}{
		{
			name: "TOML syntax",
			file: "[[metric]]\nname = \"m\nkind = \"ratio\"\n",
			want: []string{`f.toml:2: strings cannot contain newlines`},
		},
		{
			name: "unknown key",
			file: strings.Replace(ratio, "numerator", "numerater", 1),
			want: []string{
				"f.toml:7: metric m: numerater: unknown key (want name, title, kind, family, source, numerator, denominator, threshold, direction or headline)",
				"f.toml:1: metric m: numerator: missing",
			},
		},
		{
			name: "unknown top-level key",
			file: "completely = true\n" + ratio,
			want: []string{"f.toml:1: completely: unknown key (want complete or [[metric]] tables)"},
		},
		{
			name: "unknown kind",
			file: strings.Replace(ratio, `kind = "ratio"`, `kind = "average"`, 1),
			want: []string{`f.toml:4: metric m: kind: unknown kind "average" (want ratio, count or median)`},
		},
		{
			name: "unknown source",
			file: strings.Replace(ratio, `source = "requests"`, `source = "request_rows"`, 1),
			want: []string{`f.toml:6: metric m: source: unknown source "request_rows" (want one of reporting, orgs, orgs_distinct, cover, meetings, requests, rectification, enterprises, visits)`},
		},
		{
			name: "unknown direction",
			file: ratio + "threshold = 0.5\ndirection = \"under\"\n",
			want: []string{`f.toml:10: metric m: direction: unknown direction "under" (want below or above)`},
		},
		{
			name: "threshold without direction",
			file: ratio + "threshold = 0.5\n",
			want: []string{`f.toml:9: metric m: threshold: a threshold needs direction = "below" or "above"`},
		},
		{
			name: "duplicate name",
			file: ratio + "\n" + ratio,
			want: []string{"f.toml:11: metric m: name: defined twice in this file"},
		},
		{
			name: "ratio without a denominator",
			file: strings.Replace(ratio, "denominator = \"count(*)\"\n", "", 1),
			want: []string{"f.toml:1: metric m: denominator: missing: a ratio needs one"},
		},
		{
			name: "count with a denominator",
			file: strings.Replace(ratio, `kind = "ratio"`, `kind = "count"`, 1),
			want: []string{`f.toml:8: metric m: denominator: a count has no denominator (remove it, or write denominator = "" to remove the built-in one)`},
		},
		{
			name: "a second median",
			file: "[[metric]]\nname = \"days_median\"\ntitle = \"天数\"\nkind = \"median\"\nfamily = \"requests\"\n",
			want: []string{"f.toml:4: metric days_median: kind: the only median is the built-in days_to_resolve_median"},
		},
		{
			name: "two statements",
			file: strings.Replace(ratio, `numerator = "count(*)"`, `numerator = "count(*); DROP TABLE forms"`, 1),
			want: []string{"f.toml:7: metric m: numerator: contains ';': want one SQL expression"},
		},
		{
			name: "bad name and missing name",
			file: strings.Replace(ratio, `name = "m"`, `name = "Satisfaction"`, 1) + "[[metric]]\ntitle = \"无名\"\n",
			want: []string{
				"f.toml:2: metric Satisfaction: name: want lower case letters, digits and _, starting with a letter",
				"f.toml:9: metric #2: name: missing",
			},
		},
		{
			name: "wrong type",
			file: ratio + "headline = \"yes\"\n",
			want: []string{`f.toml:9: metric m: headline: incompatible types: TOML value has type string; destination has type boolean`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMetrics([]byte(tt.file), "f.toml", nil)
			if err == nil {
				t.Fatal("no error")
			}
			var got []string
			for _, e := range unjoin(err) {
				var me *MetricError
				if !errors.As(e, &me) {
					t.Errorf("%v: not a *MetricError", e)
				}
				got = append(got, e.Error())
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestLoadMetricsMissingFile(t *testing.T) {
	_, err := LoadMetrics("no-such-file.toml")
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "no-such-file.toml") {
		t.Errorf("got %v, want a missing file named", err)
	}
}
