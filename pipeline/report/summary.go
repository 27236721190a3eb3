package report

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"grassroots/pipeline/calendar"
	"grassroots/pipeline/internal/parallel"
)

// The summary's sheets, in order (docs/outputs.md).
const (
	sheetOverview  = "总览"
	sheetTownships = "乡镇汇总"
	sheetVillages  = "村社区明细"
	sheetAlerts    = "预警清单"
	sheetReporting = "报送情况"
	sheetTrend     = "趋势"
	sheetAssess    = "考评"
	sheetParks     = "园区"
	sheetChanges   = "变化说明"
)

// A workbook has the first six sheets, then 考评 when some form of the
// month was asked the 2023版 assessment and 园区 when its units include
// parks; the summary adds 变化说明 (summaryContent).

// trendChartMetrics are the rates drawn on 趋势's line chart; the table
// beside it has every metric.
var trendChartMetrics = []string{"reporting_rate", "timely_rate", "coverage_all", "resolution_rate", "satisfaction_rate"}

// scope is what one workbook covers: the whole registry, or one township.
type scope struct {
	head       *unitInfo   // whose figures 总览 and 趋势 show
	chartBy    string      // the header of the chart's categories
	chartUnits []*unitInfo // the bars of 总览's chart
	townships  []*unitInfo
	villages   []*unitInfo
	parks      []*unitInfo // in 园区, 报送情况 and 预警清单
	// summary: the whole registry's workbook, which alone lists the
	// restated figures of earlier months (变化说明).
	summary bool
}

// writeSummaries stages summary-YYYY-MM.xlsx and the township workbooks
// whose digest differs from townships/manifest.json's or whose files are
// missing, and plans the removal of the month's township workbooks that
// earlier runs wrote and this one does not produce. It returns nil when
// there is nothing to summarize.
func writeSummaries(ctx context.Context, db *sql.DB, o Options, st *stager, period string, res *Result) (*townshipPlan, error) {
	start := time.Now()
	d, err := loadSummaryData(ctx, db, period, o.Log)
	if err != nil {
		return nil, err
	}
	if o.summaryRead != nil {
		o.summaryRead()
	}
	top := d.topUnit()
	if top == nil {
		o.Log.Warn("registry is empty: no summary written", "period", period)
		return nil, nil
	}
	townships := d.unitsAt("township")
	chartBy, chartUnits := "区（县）", d.unitsAt("district")
	if len(chartUnits) == 0 { // a registry without districts: chart the townships
		chartBy, chartUnits = "乡镇（街道）", townships
	}
	allVillages, allParks := d.villagesUnder(""), d.parksUnder("")
	jobs := []job{{
		path: filepath.Join(o.OutDir, "summary-"+period+".xlsx"),
		scope: scope{head: top, chartBy: chartBy, chartUnits: chartUnits,
			townships: townships, villages: allVillages, parks: allParks, summary: true},
	}}
	plan, err := planTownships(filepath.Join(o.OutDir, "townships"), period, len(townships) > 0, o.Log)
	if err != nil {
		return nil, err
	}
	for i, sc := range townshipScopes(townships, allVillages, allParks) {
		jobs = append(jobs, job{name: safeName(townships[i].code) + "-" + period + ".xlsx", scope: sc})
	}
	o.Log.Debug("summary data loaded", "units", len(d.units), "elapsed_ms", time.Since(start).Milliseconds())
	// The style ids the sheets are built with, before any workbook is: a
	// township's digest comes from its sheets, and an unchanged township's
	// workbook is never built.
	ids, err := bookStyles(true)
	if err != nil {
		return nil, err
	}
	if err := d.prepareUnitRows(ctx, ids, o.Workers); err != nil {
		return nil, err
	}
	if err := d.prepareInputs(ctx, o.Workers); err != nil {
		return nil, err
	}
	base := d.inputsBase()
	inputs := make([]string, len(jobs))
	for i := 1; i < len(jobs); i++ {
		inputs[i] = d.scopeInputs(base, jobs[i].scope)
	}
	moved, err := layoutMoved(d, jobs, inputs, plan, o, ids)
	if err != nil {
		return nil, err
	}
	if moved {
		o.Log.Info("township workbooks' layout changed: each is built and compared by content")
	}
	digests := make([]string, len(jobs))
	written := make([]bool, len(jobs))
	err = parallel.Each(ctx, o.Workers, len(jobs), func(i int) error {
		j := &jobs[i]
		if i > 0 && !moved {
			if e, ok := plan.sameInputs(j.name, inputs[i]); ok {
				digests[i] = e.Digest
				return nil
			}
		}
		sheets := summaryContent(d, j.scope, o, ids)
		path := j.path
		if i > 0 {
			path = filepath.Join(plan.dir, j.name)
			digest, err := summaryDigest(d, j.scope, sheets)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			digests[i] = digest
			if plan.unchanged(j.name, digest) {
				return nil
			}
		}
		data, err := summaryBook(d, j.scope, sheets, ids)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		written[i] = true
		return st.write(path, data)
	})
	if err != nil {
		return nil, err
	}
	res.Summary = jobs[0].path
	for i, j := range jobs[1:] {
		plan.produce(j.name, digests[i+1], inputs[i+1], written[i+1], res)
	}
	plan.planRemovals()
	return plan, nil
}

// layoutCanaries is how many townships whose inputs did not change
// layoutMoved builds, and as many again among those with parks (园区 is a
// sheet of its own).
const layoutCanaries = 4

// layoutMoved reports whether the sheets that this build makes of
// unchanged inputs differ from those the manifest's workbooks were made of
// (a release that changed the layout): it builds the sheets of a few
// townships whose inputs the manifest records unchanged (the first of each
// kind in registry order) and compares their content digests.
func layoutMoved(d *summaryData, jobs []job, inputs []string, plan *townshipPlan, o Options, ids styles) (bool, error) {
	plain, parks := 0, 0
	for i := 1; i < len(jobs) && (plain < layoutCanaries || parks < layoutCanaries); i++ {
		j := &jobs[i]
		e, ok := plan.sameInputs(j.name, inputs[i])
		if !ok {
			continue
		}
		n := &plain
		if len(j.scope.parks) > 0 {
			n = &parks
		}
		if *n == layoutCanaries {
			continue
		}
		*n++
		digest, err := summaryDigest(d, j.scope, summaryContent(d, j.scope, o, ids))
		if err != nil {
			return false, fmt.Errorf("%s: %w", filepath.Join(plan.dir, j.name), err)
		}
		if digest != e.Digest {
			return true, nil
		}
	}
	return false, nil
}

// townshipScopes are the scopes of the townships' workbooks: each with the
// villages and parks whose nearest township it is.
func townshipScopes(townships, allVillages, allParks []*unitInfo) []scope {
	villages, parks := underTownships(allVillages, allParks)
	scopes := make([]scope, len(townships))
	for i, t := range townships {
		vs := villages[t.code]
		scopes[i] = scope{head: t, chartBy: "村（社区）", chartUnits: vs, townships: []*unitInfo{t}, villages: vs, parks: parks[t.code]}
	}
	return scopes
}

// job is one workbook of writeSummaries: the summary (path) or a township's
// (name, in townships/).
type job struct {
	path, name string
	scope      scope
}

// summaryContent is the sheets of the summary's (or a township's) workbook,
// with the style ids ids.
func summaryContent(d *summaryData, sc scope, o Options, ids styles) []*sheet {
	b := &builder{d: d, sc: sc, st: ids, o: o}
	stamp := "（批处理运行时间：" + o.Now.In(calendar.Shanghai).Format("2006-01-02 15:04") + " 北京时间）"
	sheets := []*sheet{b.overview(), b.townshipTable(), b.villageTable(), b.alerts(), b.reporting(), b.trend()}
	if b.asked() {
		sheets = append(sheets, b.assessment())
	}
	if len(sc.parks) > 0 {
		sheets = append(sheets, b.parkTable())
	}
	if sc.summary {
		sheets = append(sheets, b.changes())
	}
	for _, s := range sheets {
		b.widenSmallSamples(s)
		s.landscape = true
		s.stamp = stamp
	}
	return sheets
}

// summaryTitle is the document title of the summary's (or a township's)
// workbook.
func summaryTitle(d *summaryData, sc scope) string {
	return sc.head.name + " " + periodCN(d.period) + " 党建引领基层治理月报汇总"
}

// summaryBook is the bytes of the summary's (or a township's) workbook of
// sheets, which summaryContent built with the style ids ids.
func summaryBook(d *summaryData, sc scope, sheets []*sheet, ids styles) ([]byte, error) {
	names := make([]string, len(sheets))
	for i, s := range sheets {
		names[i] = s.name
	}
	f, st, err := newBook(names, d.period, summaryTitle(d, sc), true)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st != ids {
		return nil, fmt.Errorf("style ids %+v, want %+v as the sheets were built with", st, ids)
	}
	for _, s := range sheets {
		if err := writeSheet(f, st, s); err != nil {
			return nil, err
		}
	}
	return bookBytes(f)
}

// summaryDigest is a digest of everything a township's workbook shows but
// the run time in its title rows: townshipFormat, the document's period and
// title, and every sheet as built (rows, styles, widths, charts).
func summaryDigest(d *summaryData, sc scope, sheets []*sheet) (string, error) {
	dg := newDigester()
	dg.int(townshipFormat)
	dg.str(d.period)
	dg.str(summaryTitle(d, sc))
	dg.int(len(sheets))
	for _, s := range sheets {
		dg.sheet(s)
		if err := dg.charts(s); err != nil {
			return "", err
		}
	}
	return dg.sum(), nil
}

type builder struct {
	d  *summaryData
	sc scope
	st styles
	o  Options
}

func periodCN(p string) string {
	t, err := calendar.ParsePeriod(p)
	if err != nil {
		return p
	}
	return fmt.Sprintf("%d年%d月", t.Year(), t.Month())
}

// title is a sheet's title row up to the run time, which is the sheet's
// stamp.
func (b *builder) title(what string) string {
	return fmt.Sprintf("%s　%s　%s", b.sc.head.name, periodCN(b.d.period), what)
}

// num is a figure's value as a styled number cell, nil when NULL.
func (b *builder) num(m metric, v sql.NullFloat64) any {
	if !v.Valid {
		return nil
	}
	return excelize.Cell{StyleID: b.valueStyle(m), Value: v.Float64}
}

func (b *builder) valueStyle(m metric) int {
	switch m.kind {
	case "ratio":
		return b.st.pct
	case "median":
		return b.st.median
	}
	return b.st.count
}

func (b *builder) pct(v float64) any { return excelize.Cell{StyleID: b.st.pct, Value: v} }

func (b *builder) count(v float64) any { return excelize.Cell{StyleID: b.st.count, Value: v} }

// metricTitles are the general metrics' titles (metric.general).
func (b *builder) metricTitles() []string { return b.titles(metric.general) }

// titles are the titles of the metrics keep takes, in catalog order.
func (b *builder) titles(keep func(metric) bool) []string {
	var out []string
	for _, m := range b.d.metrics {
		if keep(m) {
			out = append(out, m.title)
		}
	}
	return out
}

// anyMetric keeps every metric of the catalog.
func anyMetric(metric) bool { return true }

// metricCells are a unit's figures as cells, in catalog order; a rate over
// a small sample says so (样本不足).
func (b *builder) metricCells(unit string) []any {
	return b.familyCells(unit, metric.general)
}

// familyCells are a unit's figures of the metrics keep takes, in catalog
// order.
func (b *builder) familyCells(unit string, keep func(metric) bool) []any {
	var out []any
	fs := b.d.cur[unit]
	for i, m := range b.d.metrics {
		if !keep(m) {
			continue
		}
		var v any
		if fs != nil {
			v = b.unitNum(unit, m, fs[i].val)
		}
		out = append(out, v)
	}
	return out
}

// unitNum is num, with the small-sample style for a flagged rate of unit in
// the summary's month: the rate with its numerator and denominator.
func (b *builder) unitNum(unit string, m metric, v sql.NullFloat64) any {
	if v.Valid && m.kind == "ratio" && b.d.small(unit, m.name) {
		style := b.st.smallPct
		f := b.d.value(unit, m.name)
		if num, den := f.num.Float64, f.den.Float64; f.num.Valid && f.den.Valid && den >= 1 && den < maxSmallDen &&
			num >= 0 && num <= den && num == math.Trunc(num) && den == math.Trunc(den) {
			style = b.st.smallFrac[int(den)][int(num)]
		}
		return excelize.Cell{StyleID: style, Value: v.Float64}
	}
	return b.num(m, v)
}

// widenSmallSamples makes the columns that hold a small sample's rate wide
// enough for "100.0%（19/19，样本不足）": a number wider than its column
// shows as ###.
func (b *builder) widenSmallSamples(s *sheet) {
	for _, r := range s.rows {
		for i, v := range r {
			if c, ok := v.(excelize.Cell); ok && b.st.small(c.StyleID) {
				if s.widths == nil {
					s.widths = map[int]float64{}
				}
				s.widths[i+1] = max(s.widths[i+1], 24)
			}
		}
	}
}

// rankBy orders units by metric name, highest first, and ranks them: first
// the full samples (ranks 1…), then the small samples, ranked after every
// full sample, then the units without a value (no rank); equal values share
// a rank, ties are listed by code. A unit of 2 rated requests at 100% thus
// ranks below one of 180 at 97%.
func (b *builder) rankBy(units []*unitInfo, name string) ([]*unitInfo, map[string]int) {
	d := b.d
	// Each unit's class and rate, looked up once rather than in every
	// comparison: the summary sorts 10,000 villages.
	type key struct {
		u     *unitInfo
		class int
		rate  float64
	}
	keys := make([]key, len(units))
	for i, u := range units {
		v := d.value(u.code, name).val
		k := key{u: u, rate: v.Float64}
		switch {
		case !v.Valid:
			k.class = 2
		case d.small(u.code, name):
			k.class = 1
		}
		keys[i] = k
	}
	slices.SortFunc(keys, func(x, y key) int {
		if c := cmp.Compare(x.class, y.class); c != 0 {
			return c
		}
		if c := cmp.Compare(y.rate, x.rate); c != 0 {
			return c
		}
		return strings.Compare(x.u.code, y.u.code)
	})
	out := make([]*unitInfo, len(keys))
	ranks := map[string]int{}
	for i, k := range keys {
		out[i] = k.u
		if k.class == 2 {
			continue
		}
		ranks[k.u.code] = i + 1
		if i > 0 && keys[i-1].class == k.class && keys[i-1].rate == k.rate {
			ranks[k.u.code] = ranks[keys[i-1].u.code]
		}
	}
	return out, ranks
}

func levelCN(level string) string {
	switch level {
	case "village":
		return "村"
	case "community":
		return "社区"
	case "park":
		return "园区"
	}
	return level
}

// overview is 总览: the head unit's every metric this month and last, the
// change, and a bar chart of two rates by district (or village) whose data
// are values in cells below the table.
func (b *builder) overview() *sheet {
	d := b.d
	s := &sheet{name: sheetOverview, title: b.title("总览"), filterRows: len(b.metricTitles()),
		header: []string{"指标", "本月（" + d.period + "）", "上月（" + d.prev + "）", "变化", "本月分子", "本月分母"},
		widths: map[int]float64{2: 14, 3: 14}}
	head := b.sc.head.code
	var prev []figure
	if m := d.trend[d.prev]; m != nil {
		prev = m[head]
	}
	for i, m := range d.metrics {
		if !m.general() {
			continue
		}
		cur := d.value(head, m.name)
		var last figure
		if prev != nil {
			last = prev[i]
		}
		row := []any{m.title, b.unitNum(head, m, cur.val), b.num(m, last.val), nil, nil, nil}
		if cur.val.Valid && last.val.Valid {
			row[3] = b.change(m, last.val.Float64, cur.val.Float64)
		}
		if m.kind == "ratio" {
			row[4], row[5] = b.count(cur.num.Float64), b.count(cur.den.Float64)
		}
		s.rows = append(s.rows, row)
	}
	if len(b.sc.chartUnits) == 0 {
		return s
	}
	// The chart's data: a small table two rows under the metrics.
	s.rows = append(s.rows, nil)
	hdr := 3 + len(s.rows)
	s.rows = append(s.rows, []any{
		excelize.Cell{StyleID: b.st.header, Value: b.sc.chartBy},
		excelize.Cell{StyleID: b.st.header, Value: "办结率"},
		excelize.Cell{StyleID: b.st.header, Value: "满意率"},
	})
	for _, u := range b.sc.chartUnits {
		row := []any{u.name, nil, nil}
		if v := d.value(u.code, "resolution_rate").val; v.Valid {
			row[1] = b.pct(v.Float64)
		}
		if v := d.value(u.code, "satisfaction_rate").val; v.Valid {
			row[2] = b.pct(v.Float64)
		}
		s.rows = append(s.rows, row)
	}
	first, last := hdr+1, hdr+len(b.sc.chartUnits)
	ref := func(col string, from, to int) string {
		return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sheetOverview, col, from, col, to)
	}
	series := func(col string) excelize.ChartSeries {
		return excelize.ChartSeries{
			Name:       fmt.Sprintf("'%s'!$%s$%d", sheetOverview, col, hdr),
			Categories: ref("A", first, last),
			Values:     ref(col, first, last),
		}
	}
	s.charts = []placedChart{{cell: "H2", chart: &excelize.Chart{
		Type:       excelize.Col,
		Series:     []excelize.ChartSeries{series("B"), series("C")},
		VaryColors: new(bool),
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "各" + b.sc.chartBy + "办结率与满意率（" + d.period + "）"}}},
		Legend:     excelize.ChartLegend{Position: "bottom"},
		YAxis:      excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		Format:     excelize.GraphicOptions{ScaleX: 1.4, ScaleY: 1.2},
	}}}
	return s
}

// change is the difference of a figure from old to cur as a cell: for a
// rate in percentage points.
func (b *builder) change(m metric, old, cur float64) any {
	switch m.kind {
	case "ratio":
		return excelize.Cell{StyleID: b.st.change, Value: (cur - old) * 100}
	case "median":
		return excelize.Cell{StyleID: b.st.medianChange, Value: cur - old}
	}
	return excelize.Cell{StyleID: b.st.countChange, Value: cur - old}
}

// rankCell is a unit's rank as a cell, nil for none.
func rankCell(ranks map[string]int, code string) any {
	if r, ok := ranks[code]; ok {
		return r
	}
	return nil
}

// townshipTable is 乡镇汇总: one row per township, ranked by resolution_rate
// (rankBy: small samples after every full sample).
func (b *builder) townshipTable() *sheet {
	s := &sheet{name: sheetTownships, title: b.title("乡镇汇总（按办结率排名）"), freezeCols: 4, filterRows: -1,
		header: append([]string{"排名", "区（县）", "乡镇代码", "乡镇（街道）"}, b.titles(anyMetric)...)}
	ts, ranks := b.rankBy(b.sc.townships, "resolution_rate")
	for _, t := range ts {
		s.rows = append(s.rows, append([]any{rankCell(ranks, t.code), t.districtName, t.code, t.name}, b.familyCells(t.code, anyMetric)...))
	}
	return s
}

func statusCN(st reportStatus, ok bool) string {
	if !ok {
		return "未报送"
	}
	switch st.status {
	case "accepted":
		return "已接收"
	case "rejected":
		return "已退回"
	}
	return "未报送"
}

// villageTable is 村社区明细: every village and community with its place,
// its rank by resolution_rate among them (rankBy: small samples after every
// full sample) and every metric, listed by place so that an official finds
// a village where it is; sorting by the rank column gives the ranking.
func (b *builder) villageTable() *sheet {
	s := &sheet{name: sheetVillages, title: b.title("村（社区）明细"), freezeCols: 4, filterRows: -1,
		header: append([]string{"区（县）", "乡镇（街道）", "代码", "村（社区）", "类型", "报送状态", "办结率排名"}, b.metricTitles()...)}
	_, ranks := b.rankBy(b.sc.villages, "resolution_rate")
	s.rows = make([][]any, 0, len(b.sc.villages))
	for _, u := range b.sc.villages {
		st, ok := b.d.status[u.code]
		s.rows = append(s.rows, append([]any{u.districtName, u.townshipName, u.code, u.name, levelCN(u.level), statusCN(st, ok),
			rankCell(ranks, u.code)}, b.unitRows(u).cells...))
	}
	return s
}

// alert is one (unit, rule) of 预警清单.
type alert struct {
	rule      string
	value     any // the figure found, a cell; nil for a missing or rejected form
	threshold any
	note      string
}

// rule is a metric's 预警清单 rule, from its definition's threshold and
// direction (metric_catalog): a value below the threshold, or above it,
// breaks it.
type rule struct {
	threshold float64
	above     bool
}

// breaks reports whether v breaks r. It allows for figures computed in
// floating point: 9/10 is not below 0.9. NULL breaks nothing.
func (r rule) breaks(v sql.NullFloat64) bool {
	if !v.Valid {
		return false
	}
	if r.above {
		return v.Float64 > r.threshold+1e-9
	}
	return v.Float64 < r.threshold-1e-9
}

// further reports whether a is further past the threshold than b.
func (r rule) further(a, b float64) bool {
	if r.above {
		return a > b
	}
	return a < b
}

// coverageLabel names the coverage rule (it is coverage_all's title).
const coverageLabel = "党组织覆盖率"

// isCoverage reports whether m is a party-organization coverage rate:
// those share one 预警清单 rule (alertRules). It goes by name, as the
// definitions name them: coverage_… and the parks' enterprise_party_coverage
// (whose family is parks, not coverage).
func isCoverage(m metric) bool {
	return m.kind == "ratio" && (strings.HasPrefix(m.name, "coverage_") || m.name == "enterprise_party_coverage")
}

// alertRule is one threshold rule of 预警清单: one metric's, or the
// coverage rule over every coverage rate with the same threshold and
// direction, so that a village lacking organizations gets one row, not six.
type alertRule struct {
	rule
	label    string // the rule's name before 低于/高于: the metric's title, or coverageLabel
	coverage bool
	members  []int // indices in summaryData.metrics, in catalog order
}

// alertRules are the rules of the metrics that have one, in catalog order;
// a coverage rule takes the place of its first rate.
func alertRules(ms []metric) []alertRule {
	var out []alertRule
	coverage := map[rule]int{} // rule → its index in out
	for i, m := range ms {
		if m.rule == nil {
			continue
		}
		if !isCoverage(m) {
			out = append(out, alertRule{rule: *m.rule, label: m.title, members: []int{i}})
			continue
		}
		j, ok := coverage[*m.rule]
		if !ok {
			j = len(out)
			coverage[*m.rule] = j
			out = append(out, alertRule{rule: *m.rule, label: coverageLabel, coverage: true})
		}
		out[j].members = append(out[j].members, i)
	}
	return out
}

// text is the rule as 预警规则 shows it, such as 办结率低于80% or
// 点单总数高于200; m is one of its metrics, for the threshold's kind.
func (r alertRule) text(m metric) string {
	word := "低于"
	if r.above {
		word = "高于"
	}
	if m.kind == "ratio" {
		return r.label + word + pctText(r.threshold, -1)
	}
	return r.label + word + strconv.FormatFloat(r.threshold, 'f', -1, 64)
}

// alertsFor lists the rules u breaks, in a fixed order: no form, a rejected
// form, the threshold rules of the definitions in catalog order (d.rules;
// a coverage rule's row shows the rate furthest past its threshold and
// lists each rate past it), then one 数据异常 row per anomaly. A figure with
// no value, or a rate over a small sample, breaks no rule.
func (b *builder) alertsFor(u *unitInfo) []alert {
	d := b.d
	var out []alert
	st, ok := d.status[u.code]
	switch {
	case !ok || st.status == "missing":
		out = append(out, alert{rule: "未报送", note: "未收到" + periodCN(d.period) + "报表"})
	case st.status == "rejected":
		out = append(out, alert{rule: "报表被退回", note: MaskPhones(st.reason.String)})
	}
	fraction := func(f figure) string {
		return strconv.FormatFloat(f.num.Float64, 'f', -1, 64) + "/" + strconv.FormatFloat(f.den.Float64, 'f', -1, 64)
	}
	for _, r := range d.rules {
		var worst sql.NullFloat64
		var notes []string
		for _, i := range r.members {
			m := d.metrics[i]
			f := d.value(u.code, m.name)
			if !r.breaks(f.val) || d.small(u.code, m.name) {
				continue
			}
			if !worst.Valid || r.further(f.val.Float64, worst.Float64) {
				worst = f.val
			}
			switch {
			case r.coverage:
				notes = append(notes, m.title+" "+pctText(f.val.Float64, 1)+"（"+fraction(f)+"）")
			case m.kind == "ratio":
				notes = append(notes, fraction(f))
			}
		}
		if worst.Valid {
			m := d.metrics[r.members[0]]
			out = append(out, alert{rule: r.text(m), value: b.num(m, worst),
				threshold: b.num(m, sql.NullFloat64{Float64: r.threshold, Valid: true}), note: strings.Join(notes, "；")})
		}
	}
	// 数据异常: a figure far from the unit's own history, in catalog order.
	for _, m := range d.metrics {
		if detail := d.flags[u.code][m.name].anomaly; detail != "" {
			out = append(out, alert{rule: "数据异常", value: b.num(m, d.value(u.code, m.name).val),
				note: m.title + "：" + detail})
		}
	}
	return out
}

// pctText is a rate as text, with prec decimals (-1: as few as needed).
func pctText(v float64, prec int) string {
	return strconv.FormatFloat(v*100, 'f', prec, 64) + "%"
}

// alerts is 预警清单: one row per (unit, rule broken), so that officials can
// filter by rule; the units are the villages and communities.
func (b *builder) alerts() *sheet {
	s := &sheet{name: sheetAlerts, title: b.title("预警清单"), freezeCols: 4, filterRows: -1,
		header: []string{"区（县）", "乡镇（街道）", "代码", "村（社区）", "预警规则", "实际值", "阈值", "说明"}}
	for _, u := range b.reportingUnits() {
		s.rows = append(s.rows, b.unitRows(u).alerts...)
	}
	return s
}

// alertRows are u's rows of 预警清单.
func (b *builder) alertRows(u *unitInfo) [][]any {
	var rows [][]any
	for _, a := range b.alertsFor(u) {
		rows = append(rows, []any{u.districtName, u.townshipName, u.code, u.name, a.rule, a.value, a.threshold, a.note})
	}
	return rows
}

// changes is 变化说明: the figures of months before the summary's month that
// this run changed (late or corrected forms, a registry change…), so that an
// official who saw last month's figures is told which moved and why.
// Figures appearing for the first time are not listed.
func (b *builder) changes() *sheet {
	s := &sheet{name: sheetChanges, title: b.title("以前月份数字的变化（本次运行）"), freezeCols: 4, filterRows: -1,
		header: []string{"月份", "代码", "单位", "层级", "指标", "原值", "新值", "变化", "原分子/分母", "新分子/分母", "原因"},
		widths: map[int]float64{11: 60}}
	if len(b.d.changes) == 0 {
		s.rows = append(s.rows, []any{"本次运行没有更改以前月份的任何数字。"})
		s.filterRows = 0
		return s
	}
	frac := func(m metric, f figure) string {
		if m.kind != "ratio" {
			return ""
		}
		return fmtNum(f.num) + "/" + fmtNum(f.den)
	}
	for _, c := range b.d.changes {
		m := b.d.metrics[c.metric]
		var diff any
		if c.old.val.Valid && c.new.val.Valid {
			diff = b.change(m, c.old.val.Float64, c.new.val.Float64)
		}
		s.rows = append(s.rows, []any{c.period, c.unit, c.unitName, levelCN(c.level), m.title,
			b.num(m, c.old.val), b.num(m, c.new.val), diff, frac(m, c.old), frac(m, c.new), causeCN(c.cause)})
	}
	return s
}

func fmtNum(v sql.NullFloat64) string {
	if !v.Valid {
		return "—"
	}
	return strconv.FormatFloat(v.Float64, 'f', -1, 64)
}

// causeCN is a change's cause for officials: the files, and 名册变更 /
// 设置变更 / 指标定义变更 for the registry, a setting or a definition.
func causeCN(cause string) string {
	words := map[string]string{"registry": "名册变更", "settings": "设置变更", "definitions": "指标定义变更", "unknown": "原因不明"}
	parts := strings.Split(cause, ";")
	for i, p := range parts {
		if w, ok := words[p]; ok {
			parts[i] = w
		}
	}
	return strings.Join(parts, "；")
}

// localTime is t as a cell of Asia/Shanghai wall-clock time (Excel has no
// time zones).
func (b *builder) localTime(t sql.NullTime) any {
	if !t.Valid {
		return nil
	}
	l := t.Time.In(calendar.Shanghai)
	return excelize.Cell{StyleID: b.st.dateTime,
		Value: time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)}
}

// lastDay is a deadline (the first instant after it) as the date of its
// last day, which is how clerks are told it: 截止 2021-04-05, not
// 2021-04-06 00:00.
func (b *builder) lastDay(t sql.NullTime) any {
	if !t.Valid {
		return nil
	}
	l := t.Time.In(calendar.Shanghai).Add(-time.Nanosecond)
	return excelize.Cell{StyleID: b.st.date, Value: time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)}
}

// reporting is 报送情况: every expected unit, whether it reported, on time,
// accepted or rejected and why, and the clerk to call.
func (b *builder) reporting() *sheet {
	s := &sheet{name: sheetReporting, title: b.title("报送情况"), freezeCols: 4, filterRows: -1,
		header: []string{"区（县）", "乡镇（街道）", "代码", "村（社区）", "类型", "是否报送", "报送状态", "是否按时",
			"收到时间", "截止日期", "文件数", "退回原因", "填报人", "联系电话", "文件"}}
	for _, u := range b.reportingUnits() {
		s.rows = append(s.rows, b.unitRows(u).reporting)
	}
	return s
}

// reportingRow is u's row of 报送情况.
func (b *builder) reportingRow(u *unitInfo) []any {
	st, ok := b.d.status[u.code]
	received, onTime := "未报送", ""
	if ok && st.status != "missing" {
		received = "已报送"
	}
	if st.onTime.Valid {
		onTime = "逾期"
		if st.onTime.Bool {
			onTime = "按时"
		}
	}
	var files any
	if ok {
		files = excelize.Cell{StyleID: b.st.count, Value: st.files}
	}
	return []any{u.districtName, u.townshipName, u.code, u.name, levelCN(u.level),
		received, statusCN(st, ok), onTime, b.localTime(st.receivedAt), b.lastDay(st.deadline), files,
		MaskPhones(st.reason.String), st.filledBy.String, st.phone.String, st.path.String}
}

// unitRows are what a village, community or park shows in the sheets that
// list it (its general figures as cells, its rows of 预警清单 and 报送情况):
// the same in the summary and in its township's workbook, and between them
// most of the making of their sheets, so made once for both.
type unitRows struct {
	cells     []any
	alerts    [][]any
	reporting []any
}

func (b *builder) makeUnitRows(u *unitInfo) *unitRows {
	return &unitRows{cells: b.metricCells(u.code), alerts: b.alertRows(u), reporting: b.reportingRow(u)}
}

// unitRows are u's rows, made by prepareUnitRows or else now. The rows are
// shared between workbooks and never changed.
func (b *builder) unitRows(u *unitInfo) *unitRows {
	if r := b.d.rows[u.code]; r != nil {
		return r
	}
	return b.makeUnitRows(u)
}

// prepareUnitRows makes the rows of every village, community and park
// (unitRows) with the style ids ids, on up to workers goroutines.
func (d *summaryData) prepareUnitRows(ctx context.Context, ids styles, workers int) error {
	var units []*unitInfo
	for _, u := range d.units {
		if u.isVillage() || u.level == "park" {
			units = append(units, u)
		}
	}
	b := &builder{d: d, st: ids}
	rows := make([]*unitRows, len(units))
	const chunk = 256
	err := parallel.Each(ctx, workers, (len(units)+chunk-1)/chunk, func(c int) error {
		for i := c * chunk; i < min((c+1)*chunk, len(units)); i++ {
			rows[i] = b.makeUnitRows(units[i])
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.rows = make(map[string]*unitRows, len(units))
	for i, u := range units {
		d.rows[u.code] = rows[i]
	}
	return nil
}

// trend is 趋势: the head unit's metrics for the 12 months up to the
// period (a month without data has empty cells) and a line chart of the
// main rates.
func (b *builder) trend() *sheet {
	d := b.d
	s := &sheet{name: sheetTrend, title: b.title("近12个月趋势"), freezeCols: 1, filterRows: -1,
		header: append([]string{"月份"}, b.metricTitles()...)}
	for _, month := range d.months {
		row := []any{month}
		fs := d.trend[month][b.sc.head.code]
		for i, m := range d.metrics {
			if !m.general() {
				continue
			}
			var v any
			if fs != nil {
				v = b.num(m, fs[i].val)
			}
			row = append(row, v)
		}
		s.rows = append(s.rows, row)
	}
	first, last := 3, 2+len(d.months)
	var series []excelize.ChartSeries
	for _, name := range trendChartMetrics {
		i, ok := d.pos[name]
		if !ok || !d.metrics[i].general() {
			continue
		}
		// Its column among the general metrics.
		at := 0
		for _, m := range d.metrics[:i] {
			if m.general() {
				at++
			}
		}
		col := colName(2 + at)
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("'%s'!$%s$2", sheetTrend, col),
			Categories: fmt.Sprintf("'%s'!$A$%d:$A$%d", sheetTrend, first, last),
			Values:     fmt.Sprintf("'%s'!$%s$%d:$%s$%d", sheetTrend, col, first, col, last),
		})
	}
	if len(series) > 0 {
		s.charts = []placedChart{{cell: cellName(1, last+2), chart: &excelize.Chart{
			Type:         excelize.Line,
			Series:       series,
			Title:        excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: b.sc.head.name + "主要指标近12个月趋势"}}},
			Legend:       excelize.ChartLegend{Position: "bottom"},
			YAxis:        excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
			ShowBlanksAs: "gap",
			VaryColors:   new(bool),
			Format:       excelize.GraphicOptions{ScaleX: 2, ScaleY: 1.3},
		}}}
	}
	return s
}

// safeName keeps a code usable as a file name: anything but ASCII letters,
// digits, '-' and '_' becomes '_'.
func safeName(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
