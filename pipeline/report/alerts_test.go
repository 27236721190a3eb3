package report

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"grassroots/definitions"
	"grassroots/pipeline/registry"
	"grassroots/pipeline/warehouse"
	"grassroots/pipeline/warehouse/warehousetest"
)

// alertsRegistry: four villages of one township, whose March forms say
//
//	甲村 20 requests, all resolved, 19 of 20 satisfied; 2 of 2 小区 covered
//	乙村 20 requests, 14 resolved, 13 of 14 satisfied; 3 of 4 小区 covered
//	丙村 10 requests, 8 resolved (80%), 6 of 8 satisfied (a small sample)
//	丁村 no request, 1 of 1 小区 covered
//
// and every resolved request took 3 days.
const alertsRegistry = `code,name,level,parent_code
450100000000,南宁市,city,
450109000000,邕宁区,district,450100000000
450109100000,那楼镇,township,450109000000
450109100201,甲村,village,450109100000
450109100202,乙村,village,450109100000
450109100203,丙村,village,450109100000
450109100204,丁村,village,450109100000
`

// alertsWarehouse loads alertsRegistry's forms in one run with the metric
// definitions ms (nil: the built-in ones), as `grassroots run --metrics`
// does.
func alertsWarehouse(t *testing.T, ms *definitions.Metrics) *warehouse.Warehouse {
	t.Helper()
	ctx := context.Background()
	reg, err := registry.Parse(strings.NewReader(alertsRegistry), "registry.csv")
	if err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if ms != nil {
		if err := warehouse.CheckMetrics(ctx, ms, nil); err != nil {
			t.Fatal(err)
		}
	}
	jia := newForm("450109100201", "2021-03", "张三", "13700001111")
	jia.Requests = requests("JIA", "2021-03", 20, 20, 19)
	jia.Orgs = orgs(2, 0)
	yi := newForm("450109100202", "2021-03", "李四", "13700002222")
	yi.Requests = requests("YI", "2021-03", 20, 14, 13)
	yi.Orgs = orgs(3, 1)
	bing := newForm("450109100203", "2021-03", "王五", "13700003333")
	bing.Requests = requests("BING", "2021-03", 10, 8, 6)
	ding := newForm("450109100204", "2021-03", "赵六", "13700004444")
	ding.Orgs = orgs(1, 0)
	uploads := []warehousetest.Upload{
		{Path: "甲村.xlsx", Received: at("2021-04-02 10:00"), Form: jia},
		{Path: "乙村.xlsx", Received: at("2021-04-02 10:00"), Form: yi},
		{Path: "丙村.xlsx", Received: at("2021-04-02 10:00"), Form: bing},
		{Path: "丁村.xlsx", Received: at("2021-04-02 10:00"), Form: ding},
	}
	// warehousetest.Load runs with the built-in definitions: this is the
	// same run with ms.
	r, err := w.Begin(ctx, "inbox", runNow)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Rollback()
	for _, u := range uploads {
		sha := "sha-" + u.Path
		if err := r.AddFile(ctx, warehouse.File{Path: u.Path, SHA256: sha, Size: 1, MTime: u.Received, ReceivedAt: u.Received}); err != nil {
			t.Fatal(err)
		}
		if err := r.AddForm(ctx, sha, u.Form); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Refresh(ctx, reg, warehouse.Settings{Metrics: ms}); err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(ctx, runNow); err != nil {
		t.Fatal(err)
	}
	return w
}

// shownAlerts are 预警清单's rows as an official sees them (numbers in
// their cells' formats): 村（社区）, 预警规则, 实际值, 阈值, 说明.
func shownAlerts(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheetAlerts)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"区（县）", "乡镇（街道）", "代码", "村（社区）", "预警规则", "实际值", "阈值", "说明"}; len(rows) < 2 || !cmp.Equal(rows[1], want) {
		t.Fatalf("预警清单's header %q, want %q", rows[1:2], want)
	}
	var out [][]string
	for _, r := range rows[2:] {
		r = append(r, make([]string, 8)...)
		out = append(out, r[3:8])
	}
	return out
}

// TestAlertRulesFromDefinitions: 预警清单's threshold rules are the metric
// definitions' threshold and direction, so that a definitions file changes
// them: a raised threshold, an "above" rule on a count, a rate or the
// median, a new metric's rule, a removed rule, a coverage rate given a
// threshold of its own. A figure equal to its threshold, one over a small
// sample (丙村's 满意率) and one with no value (丁村's 办结率) break none.
func TestAlertRulesFromDefinitions(t *testing.T) {
	// 乙村 with the built-in definitions.
	yiCoverage := []string{"乙村", "党组织覆盖率低于100%", "75.0%", "100.0%", "党组织覆盖率 75.0%（3/4）；居民小区覆盖率 75.0%（3/4）"}
	yiResolution := []string{"乙村", "办结率低于80%", "70.0%", "80.0%", "14/20"}
	tests := []struct {
		name    string
		metrics string // a file of changes to the built-in definitions; "" for none
		want    [][]string
	}{
		{
			name: "built-in definitions",
			want: [][]string{yiCoverage, yiResolution},
		},
		{
			name: "raised satisfaction threshold",
			metrics: `[[metric]]
name = "satisfaction_rate"
threshold = 0.95
`,
			// 甲村's 19/20 is 95%, not below.
			want: [][]string{yiCoverage, yiResolution, {"乙村", "满意率低于95%", "92.9%", "95.0%", "13/14"}},
		},
		{
			name: "above on a count",
			metrics: `[[metric]]
name = "requests_total"
threshold = 15
direction = "above"
`,
			// A unit's rules are in catalog order: 点单总数 comes before 办结率.
			want: [][]string{
				{"甲村", "点单总数高于15", "20", "15"},
				yiCoverage,
				{"乙村", "点单总数高于15", "20", "15"},
				yiResolution,
			},
		},
		{
			name: "a new rate with an above rule, after the built-in ones",
			metrics: `[[metric]]
name = "unresolved_rate"
title = "未办结率"
kind = "ratio"
family = "requests"
source = "requests"
numerator = "count(*) FILTER (WHERE state <> '已办结')"
denominator = "count(*)"
threshold = 0.2
direction = "above"
`,
			// 丙村's 2/10 is 20%, not above; 丁村 has no value.
			want: [][]string{yiCoverage, yiResolution, {"乙村", "未办结率高于20%", "30.0%", "20.0%", "6/20"}},
		},
		{
			name: "above on the median",
			metrics: `[[metric]]
name = "days_to_resolve_median"
threshold = 2
direction = "above"
`,
			want: [][]string{
				{"甲村", "办结天数中位数高于2", "3.0", "2.0"},
				yiCoverage,
				yiResolution,
				{"乙村", "办结天数中位数高于2", "3.0", "2.0"},
				{"丙村", "办结天数中位数高于2", "3.0", "2.0"},
			},
		},
		{
			name: "removed rule",
			metrics: `[[metric]]
name = "resolution_rate"
direction = ""
`,
			want: [][]string{yiCoverage},
		},
		{
			name: "a coverage rate with a threshold of its own is a coverage rule of its own",
			metrics: `[[metric]]
name = "coverage_residential"
threshold = 0.8
`,
			want: [][]string{
				{"乙村", "党组织覆盖率低于100%", "75.0%", "100.0%", "党组织覆盖率 75.0%（3/4）"},
				{"乙村", "党组织覆盖率低于80%", "75.0%", "80.0%", "居民小区覆盖率 75.0%（3/4）"},
				yiResolution,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ms *definitions.Metrics
			if tc.metrics != "" {
				var err error
				if ms, err = definitions.ParseMetrics([]byte(tc.metrics), "city.toml", definitions.DefaultMetrics()); err != nil {
					t.Fatal(err)
				}
			}
			w := alertsWarehouse(t, ms)
			got := shownAlerts(t, writeSummary(t, w, runNow))
			// Cells left empty read as "": compare the five columns.
			want := make([][]string, len(tc.want))
			for i, r := range tc.want {
				want[i] = append(r, make([]string, 5)...)[:5]
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("预警清单 (-want +got):\n%s", d)
			}
		})
	}
}
