package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
)

// runAt is one nightly run at a given time and with given settings; it
// returns the run's id.
func runAt(t *testing.T, w *Warehouse, reg *registry.Registry, at time.Time, s Settings, files ...upload) int {
	t.Helper()
	id, _ := runAtScope(t, w, reg, at, s, files...)
	return id
}

// runScope is runAt, returning what the refresh recomputed.
func runScope(t *testing.T, w *Warehouse, reg *registry.Registry, at time.Time, s Settings, files ...upload) Scope {
	t.Helper()
	_, scope := runAtScope(t, w, reg, at, s, files...)
	return scope
}

func runAtScope(t *testing.T, w *Warehouse, reg *registry.Registry, at time.Time, s Settings, files ...upload) (int, Scope) {
	t.Helper()
	ctx := context.Background()
	r, err := w.Begin(ctx, "inbox", at)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Rollback()
	for _, f := range files {
		sha := f.sha
		if sha == "" {
			sha = "sha-" + f.path
		}
		mtime := f.mtime
		if mtime.IsZero() {
			mtime = f.received
		}
		if err := r.AddFile(ctx, File{Path: f.path, SHA256: sha, Size: 1, MTime: mtime, ReceivedAt: f.received, Ignored: f.ignored}); err != nil {
			t.Fatal(err)
		}
		if f.form != nil && !r.Loaded(sha) {
			if err := r.AddForm(ctx, sha, f.form); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Refresh(ctx, reg, s); err != nil {
		t.Fatal(err)
	}
	if err := r.Commit(ctx, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	return r.ID, r.Scope()
}

// table runs q and returns its rows as text: NULL for NULL, numbers as %g.
func table(t testing.TB, db *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	return scanTable(t, rows)
}

// scanTable reads rows as table gives them, and closes them.
func scanTable(t testing.TB, rows *sql.Rows) [][]string {
	t.Helper()
	defer rows.Close()
	cols, _ := rows.Columns()
	out := [][]string{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		rec := make([]string, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				rec[i] = "NULL"
			case float64:
				rec[i] = strconv.FormatFloat(v, 'g', -1, 64)
			case time.Time:
				rec[i] = v.UTC().Format(time.RFC3339)
			default:
				rec[i] = fmt.Sprint(v)
			}
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rated makes n requests of a month, all resolved 3 days later; the first
// satisfied are rated 满意, the rest 不满意; the first disputes are disputes
// mediated successfully.
func rated(prefix, month string, n, satisfied, disputes int) []form.Request {
	out := requests(prefix, month, n, n, disputes)
	for i := satisfied; i < n; i++ {
		out[i].Rating = "不满意"
	}
	return out
}

// trustRegistry is testRegistry with a second village, 旧村, in 蒲庙镇.
const trustRegistry = testRegistry + "450109200202,旧村,village,450109200000\n"

// small_sample flags every rate about requests or meetings whose
// denominator is 1 to MinSample-1, at every level, naming the denominator;
// coverage is never flagged.
//
// 2021-03: 龙象社区 2 requests (2 resolved, 2 rated 满意: 100%) and 3
// 组织覆盖 rows (2/3); 那楼社区 180 resolved requests, 175 满意 of 180 rated
// (97.2%); 新村 6 requests with 3 disputes, and 2 meetings; 旧村 5 requests
// with 1 dispute. 那楼镇 (182 requests) is no small sample; 蒲庙镇 has 11
// requests (not small) but 4 disputes and 2 meetings (small), and so have
// the district and the city.
func TestSmallSample(t *testing.T) {
	lx := newForm("450109100201", "2021-03")
	lx.Requests = rated("LX", "2021-03", 2, 2, 0)
	lx.Orgs = []form.OrgRow{
		{Row: 3, Name: "小区1", Type: form.UnitResidential, HasOrg: true, HowFormed: form.FormedStandalone, OrgName: "一支部"},
		{Row: 4, Name: "小区2", Type: form.UnitResidential, HasOrg: true, HowFormed: form.FormedStandalone, OrgName: "二支部"},
		{Row: 5, Name: "小区3", Type: form.UnitResidential},
	}
	nl := newForm("450109100202", "2021-03")
	nl.Requests = rated("NL", "2021-03", 180, 175, 0)
	xc := newForm("450109200201", "2021-03")
	xc.Requests = rated("XC", "2021-03", 6, 6, 3)
	xc.Meetings = []form.Meeting{
		{Row: 2, Date: day("2021-03-05"), Topic: "修路", FollowUp: "已落实"},
		{Row: 3, Date: day("2021-03-20"), Topic: "清淤", FollowUp: "推进中"},
	}
	jc := newForm("450109200202", "2021-03")
	jc.Requests = rated("JC", "2021-03", 5, 5, 1)
	files := []upload{
		{path: "那楼镇/龙象社区.xlsx", received: received("2021-04-02 10:00"), form: lx},
		{path: "那楼镇/那楼社区.xlsx", received: received("2021-04-02 10:00"), form: nl},
		{path: "蒲庙镇/新村.xlsx", received: received("2021-04-02 10:00"), form: xc},
		{path: "蒲庙镇/旧村.xlsx", received: received("2021-04-02 10:00"), form: jc},
	}
	const (
		lxc, xcc, jcc   = "450109100201", "450109200201", "450109200202"
		puc, dist, city = "450109200000", "450109000000", "450100000000"
	)
	requestsOf := func(unit string, n int) [][]string {
		return [][]string{
			{unit, "ontime_rate", fmt.Sprintf("有办结日期的办结数 %d，样本不足", n)},
			{unit, "rating_rate", fmt.Sprintf("办结数 %d，样本不足", n)},
			{unit, "resolution_rate", fmt.Sprintf("点单数 %d，样本不足", n)},
			{unit, "satisfaction_rate", fmt.Sprintf("评单数 %d，样本不足", n)},
		}
	}
	var byDefault [][]string
	for _, rows := range [][][]string{
		{{city, "deliberation_followup_rate", "议事次数 2，样本不足"}, {city, "mediation_success_rate", "矛盾纠纷数 4，样本不足"}},
		{{dist, "deliberation_followup_rate", "议事次数 2，样本不足"}, {dist, "mediation_success_rate", "矛盾纠纷数 4，样本不足"}},
		requestsOf(lxc, 2),
		{{puc, "deliberation_followup_rate", "议事次数 2，样本不足"}, {puc, "mediation_success_rate", "矛盾纠纷数 4，样本不足"}},
		{{xcc, "deliberation_followup_rate", "议事次数 2，样本不足"}, {xcc, "mediation_success_rate", "矛盾纠纷数 3，样本不足"}},
		requestsOf(xcc, 6),
		{{jcc, "mediation_success_rate", "矛盾纠纷数 1，样本不足"}},
		requestsOf(jcc, 5),
	} {
		byDefault = append(byDefault, rows...)
	}
	sortRows(byDefault)
	tests := []struct {
		name      string
		minSample int
		want      [][]string // unit_code, metric, detail of every small_sample flag
		has       []string   // one row that must be among them
	}{
		{name: "default 10", want: byDefault},
		{name: "set to 10", minSample: 10, want: byDefault},
		// 2 ratings are enough when the minimum is 2: only 旧村's one dispute is left.
		{name: "min 2", minSample: 2, want: [][]string{{jcc, "mediation_success_rate", "矛盾纠纷数 1，样本不足"}}},
		// 180 ratings are a small sample when 200 are wanted, at the township too.
		{name: "min 200", minSample: 200, has: []string{"450109100202", "satisfaction_rate", "评单数 180，样本不足"}},
		{name: "min 200 township", minSample: 200, has: []string{"450109100000", "satisfaction_rate", "评单数 182，样本不足"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := openTemp(t)
			runAt(t, w, mustRegistry(t, trustRegistry), received("2021-04-10 02:00"), Settings{MinSample: tt.minSample}, files...)
			got := table(t, w.DB(), `SELECT unit_code, metric, detail FROM metric_flags WHERE period = '2021-03' AND flag = 'small_sample' ORDER BY ALL`)
			if tt.want != nil {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("small_sample flags (-want +got):\n%s", diff)
				}
			}
			if tt.has != nil && !containsRow(got, tt.has) {
				t.Errorf("no small_sample flag %v among %v", tt.has, got)
			}
			// Coverage counts whole populations: 龙象社区's 2/3 is never flagged.
			if n := table(t, w.DB(), `SELECT count(*) FROM metric_flags WHERE metric LIKE 'coverage%' OR metric IN ('reporting_rate', 'timely_rate')`); n[0][0] != "0" {
				t.Errorf("%s coverage or reporting figures flagged", n[0][0])
			}
		})
	}
}

func sortRows(rows [][]string) {
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
}

func containsRow(rows [][]string, want []string) bool {
	for _, r := range rows {
		if cmp.Equal(r, want) {
			return true
		}
	}
	return false
}

// A negative minimum sample is refused.
func TestMinSampleInvalid(t *testing.T) {
	w := openTemp(t)
	ctx := context.Background()
	r, err := w.Begin(ctx, "inbox", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Rollback()
	if err := r.Refresh(ctx, mustRegistry(t, testRegistry), Settings{MinSample: -1}); err == nil {
		t.Fatal("Refresh with MinSample -1: no error")
	}
}

// month is one month of a village's series for the anomaly tests.
type month struct {
	requests, satisfied int  // requests (all resolved), of which rated 满意 (the rest 不满意)
	noForm              bool // the village sends nothing that month
}

// series loads one run of 龙象社区's forms, one per month from 2020-01, and
// a form of 那楼社区 for every month (so that every month is in
// metric_values even when 龙象社区 sends nothing).
func series(t *testing.T, months ...month) *Warehouse {
	t.Helper()
	w := openTemp(t)
	var files []upload
	for i, m := range months {
		p := day("2020-01-01").AddDate(0, i, 0).Format("2006-01")
		rec := day(p+"-01").AddDate(0, 1, 1).In(shanghai)
		other := newForm("450109100202", p)
		files = append(files, upload{path: "那楼社区/" + p + ".xlsx", received: rec, form: other})
		if m.noForm {
			continue
		}
		f := newForm("450109100201", p)
		f.Requests = rated("LX"+p+"-", p, m.requests, m.satisfied, 0)
		files = append(files, upload{path: "龙象社区/" + p + ".xlsx", received: rec, form: f})
	}
	runAt(t, w, mustRegistry(t, testRegistry), received("2021-12-10 02:00"), Settings{}, files...)
	return w
}

// counts is a series of request counts, every request resolved and 满意.
func counts(ns ...int) []month {
	var out []month
	for _, n := range ns {
		out = append(out, month{requests: n, satisfied: n})
	}
	return out
}

// ratings is a series of months of n requests, all resolved and rated, of
// which satisfied[i] 满意.
func ratings(n int, satisfied ...int) []month {
	var out []month
	for _, s := range satisfied {
		out = append(out, month{requests: n, satisfied: s})
	}
	return out
}

// anomaly compares a village's month with the median and median absolute
// deviation of its own previous 12 months (at least 6 of them, with an
// accepted form and no small sample).
func TestAnomaly(t *testing.T) {
	tests := []struct {
		name   string
		months []month
		want   [][]string // period, unit_code, metric, detail of every anomaly flag
	}{{
		// Median 20; deviations 1,0,1,0,2,0 → MAD 0.5; 0.6745·180/0.5 = 242.8.
		// The township's 200 is not checked: villages and communities only.
		name:   "spike",
		months: counts(20, 21, 19, 20, 22, 20, 200),
		want:   [][]string{{"2020-07", "450109100201", "requests_total", "点单总数 200，近12个月中位数 20"}},
	}, {
		// 0.6745·1/0.5 = 1.35: within the unit's own spread.
		name:   "steady",
		months: counts(20, 21, 19, 20, 22, 20, 21),
		want:   [][]string{},
	}, {
		name:   "five months of history: no check",
		months: counts(20, 21, 19, 20, 22, 200),
		want:   [][]string{},
	}, {
		// MAD 0: any other value is flagged; once 21 is in the history the
		// median is still 20 and the MAD still 0, and 20 is no anomaly.
		name:   "MAD 0",
		months: counts(20, 20, 20, 20, 20, 20, 21, 20),
		want:   [][]string{{"2020-07", "450109100201", "requests_total", "点单总数 21，近12个月中位数 20"}},
	}, {
		name:   "drop to zero after six months with requests",
		months: counts(20, 20, 20, 20, 20, 20, 0),
		want:   [][]string{{"2020-07", "450109100201", "requests_total", "点单总数 0，此前6个月均有点单"}},
	}, {
		// Only five months with requests before the zero, and a history too short.
		name:   "zero after five months with requests",
		months: counts(20, 20, 20, 20, 20, 0),
		want:   [][]string{},
	}, {
		// No form for July: the unit is not checked (its 0 requests are not a drop).
		name:   "no form in the month",
		months: append(counts(20, 20, 20, 20, 20, 20), month{noForm: true}),
		want:   [][]string{},
	}, {
		// Satisfaction 95,90,95,100,85,95% of 20 ratings: median 95%, MAD
		// 2.5 points; 50% gives 0.6745·45/2.5 = 12.1.
		name:   "satisfaction rate",
		months: ratings(20, 19, 18, 19, 20, 17, 19, 10),
		want:   [][]string{{"2020-07", "450109100201", "satisfaction_rate", "满意率 50.0%，近12个月中位数 95.0%"}},
	}, {
		// One month of the six had 2 ratings (a small sample): 5 months of
		// history left, no check. (Its requests_total is in the history.)
		name:   "small samples are no history",
		months: slices.Concat(ratings(20, 19, 18), counts(2), ratings(20, 20, 17, 19, 10)),
		want:   [][]string{},
	}, {
		// An even history: median (20+21)/2, MAD 0.5.
		name:   "median of an even history",
		months: counts(20, 21, 20, 21, 20, 21, 200),
		want:   [][]string{{"2020-07", "450109100201", "requests_total", "点单总数 200，近12个月中位数 20.5"}},
	}, {
		// Six months with forms, then seven without: in 2021-02 only
		// 2020-02 … 2020-06 are within the last 12 months, too few to check.
		name:   "the last twelve months only",
		months: slices.Concat(counts(20, 20, 20, 20, 20, 20), slices.Repeat([]month{{noForm: true}}, 7), counts(200)),
		want:   [][]string{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := series(t, tt.months...)
			got := table(t, w.DB(), `SELECT period, unit_code, metric, detail FROM metric_flags WHERE flag = 'anomaly' ORDER BY ALL`)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("anomaly flags (-want +got):\n%s", diff)
			}
		})
	}
}

// change is one expected row of metric_changes: period, unit, metric, old
// numerator and denominator, new ones, cause ("NULL" for a NULL value).
func change(period, unit, metric string, oldNum, oldDen, newNum, newDen any, cause string) []string {
	return []string{period, unit, metric, fmt.Sprint(oldNum), fmt.Sprint(oldDen), fmt.Sprint(newNum), fmt.Sprint(newDen), cause}
}

// up4 is a figure of a village and its three ancestors in testRegistry.
func up4(period, metric string, village [4]any, above [4]any, cause string) [][]string {
	out := [][]string{change(period, "450109100201", metric, village[0], village[1], village[2], village[3], cause)}
	for _, u := range []string{"450100000000", "450109000000", "450109100000"} {
		out = append(out, change(period, u, metric, above[0], above[1], above[2], above[3], cause))
	}
	return out
}

// metric_changes records, per run, the figures it changed and why; the
// first run and a run that changes nothing record nothing; Restated counts
// the changed figures of months before the newest with an accepted form.
//
// The first run (3 April) loads February and March: 龙象社区 10 requests a
// month, 5 resolved (3 days, 满意); 那楼社区 4, all resolved. Each case is a
// second run (11 April).
func TestMetricChanges(t *testing.T) {
	const (
		lxFeb, lxMar = "那楼镇/龙象社区-2月.xlsx", "那楼镇/龙象社区-3月.xlsx"
		nlFeb, nlMar = "那楼镇/那楼社区-2月.xlsx", "那楼镇/那楼社区-3月.xlsx"
		lxFix, lxApr = "那楼镇/龙象社区-2月-更正.xlsx", "那楼镇/龙象社区-4月.xlsx"
		all          = `SELECT period, unit_code, metric, old_numerator, old_denominator, new_numerator, new_denominator, cause FROM metric_changes WHERE run_id = $1 ORDER BY ALL`
		perUnit      = `SELECT unit_code, count(*), string_agg(DISTINCT cause, ',') FROM metric_changes WHERE run_id = $1 GROUP BY unit_code ORDER BY unit_code`
	)
	mk := func(code, period, prefix string, n, resolved int) *form.Form {
		f := newForm(code, period)
		f.Requests = requests(prefix, period, n, resolved, 0)
		return f
	}
	base := []upload{
		{path: lxFeb, received: received("2021-03-02 10:00"), form: mk("450109100201", "2021-02", "A", 10, 5)},
		{path: nlFeb, received: received("2021-03-02 10:00"), form: mk("450109100202", "2021-02", "C", 4, 4)},
		{path: lxMar, received: received("2021-04-02 10:00"), form: mk("450109100201", "2021-03", "B", 10, 5)},
		{path: nlMar, received: received("2021-04-02 10:00"), form: mk("450109100202", "2021-03", "D", 4, 4)},
	}
	with := func(extra ...upload) []upload { return append(slices.Clone(base), extra...) }
	corrected := mk("450109100201", "2021-02", "A", 10, 8)
	// The February figures a correction to 8 resolved requests changes, for
	// 龙象社区 and for 那楼镇, 邕宁区 and 南宁市 (with 那楼社区's 4 of 4).
	febFixed := func(cause string) [][]string {
		return slices.Concat(
			up4("2021-02", "ontime_rate", [4]any{5, 5, 8, 8}, [4]any{9, 9, 12, 12}, cause),
			up4("2021-02", "rating_rate", [4]any{5, 5, 8, 8}, [4]any{9, 9, 12, 12}, cause),
			up4("2021-02", "resolution_rate", [4]any{5, 10, 8, 10}, [4]any{9, 14, 12, 14}, cause),
			up4("2021-02", "satisfaction_rate", [4]any{5, 5, 8, 8}, [4]any{9, 9, 12, 12}, cause))
	}
	// April's form lists March's request B005 (requested 6 March), resolved
	// on 2 April (27 days: not on time) and rated 满意, and 3 April requests.
	april := mk("450109100201", "2021-04", "E", 3, 3)
	april.Requests = append(april.Requests, form.Request{Row: 9, ID: "B005", RequestedOn: day("2021-03-06"),
		State: form.StateResolved, ResolvedOn: day("2021-04-02"), Rating: "满意"})
	timely := func(cause string, fromNum, toNum int) [][]string {
		var out [][]string
		for _, p := range []string{"2021-02", "2021-03"} {
			out = append(out,
				change(p, "450100000000", "timely_rate", fromNum, 4, toNum, 4, cause),
				change(p, "450109000000", "timely_rate", fromNum, 4, toNum, 4, cause),
				change(p, "450109100000", "timely_rate", fromNum, 3, toNum, 3, cause),
				change(p, "450109100201", "timely_rate", 1, 1, 0, 1, cause),
				change(p, "450109100202", "timely_rate", 1, 1, 0, 1, cause))
		}
		sortRows(out)
		return out
	}
	type check struct {
		query string
		want  [][]string
	}
	tests := []struct {
		name     string
		registry string // of the second run; "" for testRegistry
		settings Settings
		uploads  []upload
		checks   []check
		restated int
	}{{
		name:    "nothing changed",
		uploads: base,
		checks:  []check{{all, [][]string{}}},
	}, {
		// The clerk uploads the corrected form under the same name: the old
		// content is superseded, the new accepted; both have that path.
		name: "corrected February under the same name",
		uploads: []upload{base[1], base[2], base[3],
			{path: lxFeb, sha: "corrected", received: received("2021-04-10 09:00"), form: corrected}},
		checks:   []check{{all, sortedRows(febFixed(lxFeb))}},
		restated: 16,
	}, {
		// Under another name: the new file and the one it superseded.
		name:     "corrected February under another name",
		uploads:  with(upload{path: lxFix, received: received("2021-04-10 09:00"), form: corrected}),
		checks:   []check{{all, sortedRows(febFixed(lxFix + ";" + lxFeb))}},
		restated: 16,
	}, {
		// March's figures change because April's form lists a March request:
		// a restatement caused by April's file. April's figures appear (old
		// values NULL): not restatements.
		name:    "April's form resolves a March request",
		uploads: with(upload{path: lxApr, received: received("2021-05-02 10:00"), form: april}),
		checks: []check{{
			`SELECT period, unit_code, metric, old_numerator, old_denominator, new_numerator, new_denominator, cause FROM metric_changes WHERE run_id = $1 AND period = '2021-03' ORDER BY ALL`,
			sortedRows(slices.Concat(
				up4("2021-03", "ontime_rate", [4]any{5, 5, 5, 6}, [4]any{9, 9, 9, 10}, lxApr),
				up4("2021-03", "rating_rate", [4]any{5, 5, 6, 6}, [4]any{9, 9, 10, 10}, lxApr),
				up4("2021-03", "resolution_rate", [4]any{5, 10, 6, 10}, [4]any{9, 14, 10, 14}, lxApr),
				up4("2021-03", "satisfaction_rate", [4]any{5, 5, 6, 6}, [4]any{9, 9, 10, 10}, lxApr))),
		}, {
			// Every April figure is new (38 metrics; 37 where the median
			// stays NULL, which is no change); those of units with an April
			// file name it, the others (which got rows because the month
			// came in) have no file to name.
			`SELECT unit_code, count(*) FILTER (WHERE old_numerator IS NULL AND old_denominator IS NULL), string_agg(DISTINCT cause, ',') FROM metric_changes WHERE run_id = $1 AND period = '2021-04' GROUP BY ALL ORDER BY ALL`,
			[][]string{
				{"450100000000", "38", lxApr}, {"450109000000", "38", lxApr}, {"450109100000", "38", lxApr},
				{"450109100201", "38", lxApr}, {"450109100202", "37", "unknown"}, {"450109100203", "37", "unknown"},
				{"450109200000", "37", "unknown"}, {"450109200201", "37", "unknown"},
			},
		}},
		restated: 16,
	}, {
		// receipts.csv now says 那楼社区's March form came on 8 April, after
		// the deadline: nothing but its receipt time explains the change.
		name: "receipt time changed",
		uploads: []upload{base[0], base[1], base[2],
			{path: nlMar, received: received("2021-04-08 10:00"), form: base[3].form}},
		checks: []check{{all, [][]string{
			change("2021-03", "450100000000", "timely_rate", 2, 4, 1, 4, nlMar),
			change("2021-03", "450109000000", "timely_rate", 2, 4, 1, 4, nlMar),
			change("2021-03", "450109100000", "timely_rate", 2, 3, 1, 3, nlMar),
			change("2021-03", "450109100202", "timely_rate", 1, 1, 0, 1, nlMar),
		}}},
		restated: 0, // March is the newest month
	}, {
		// Deadline day 1: every form (received on the 2nd) is late.
		name:     "deadline day changed",
		settings: Settings{DeadlineDay: 1},
		uploads:  base,
		checks:   []check{{all, timely("settings", 2, 0)}},
		restated: 5,
	}, {
		// The minimum sample changes flags, never a figure.
		name:     "min sample changed",
		settings: Settings{MinSample: 3},
		uploads:  base,
		checks: []check{
			{all, [][]string{}},
			{`SELECT unit_code, metric FROM metric_flags WHERE period = '2021-02' AND flag = 'small_sample' ORDER BY ALL`, [][]string{}},
		},
	}, {
		// 那楼社区 moves to 蒲庙镇: the townships it left and joined change
		// (in both months), their district and city do not. Restated: 10
		// February figures of 那楼镇 and 10 of 蒲庙镇 (its median, NULL
		// before, had no old value).
		name:     "registry: a community moves",
		registry: strings.Replace(testRegistry, "450109100202,那楼社区,community,450109100000", "450109100202,那楼社区,community,450109200000", 1),
		uploads:  base,
		checks: []check{
			{perUnit, [][]string{{"450109100000", "20", "registry"}, {"450109200000", "22", "registry"}}},
			{`SELECT period, unit_code, metric, old_numerator, old_denominator, new_numerator, new_denominator, cause FROM metric_changes WHERE run_id = $1 AND metric = 'reporting_rate' ORDER BY ALL`,
				[][]string{
					change("2021-02", "450109100000", "reporting_rate", 2, 3, 1, 2, "registry"),
					change("2021-02", "450109200000", "reporting_rate", 0, 1, 1, 2, "registry"),
					change("2021-03", "450109100000", "reporting_rate", 2, 3, 1, 2, "registry"),
					change("2021-03", "450109200000", "reporting_rate", 0, 1, 1, 2, "registry"),
				}},
		},
		restated: 20,
	}, {
		// A new village: its figures appear (37 a month: its median stays
		// NULL), and every unit above it expects one more form.
		name:     "registry: a village is added",
		registry: testRegistry + "450109100204,新屋村,village,450109100000\n",
		uploads:  base,
		checks: []check{
			{perUnit, [][]string{{"450100000000", "4", "registry"}, {"450109000000", "4", "registry"}, {"450109100000", "4", "registry"}, {"450109100204", "74", "registry"}}},
			{`SELECT unit_code, metric, old_numerator, old_denominator, new_numerator, new_denominator FROM metric_changes WHERE run_id = $1 AND period = '2021-02' AND unit_code = '450109100000' ORDER BY ALL`,
				[][]string{{"450109100000", "reporting_rate", "2", "3", "2", "4"}, {"450109100000", "timely_rate", "2", "3", "2", "4"}}},
		},
		restated: 6,
	}, {
		// A rename changes no numerator or denominator: nothing to record
		// (metric_values shows the new name).
		name:     "registry: a village is renamed",
		registry: strings.Replace(testRegistry, "平安村", "平安新村", 1),
		uploads:  base,
		checks:   []check{{all, [][]string{}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := openTemp(t)
			first := runAt(t, w, mustRegistry(t, testRegistry), received("2021-04-03 02:00"), Settings{}, base...)
			if got := table(t, w.DB(), `SELECT count(*) FROM metric_changes WHERE run_id = $1`, first); got[0][0] != "0" {
				t.Errorf("the first run recorded %s changes, want none", got[0][0])
			}
			reg := testRegistry
			if tt.registry != "" {
				reg = tt.registry
			}
			second := runAt(t, w, mustRegistry(t, reg), received("2021-04-11 02:00"), tt.settings, tt.uploads...)
			for _, c := range tt.checks {
				if diff := cmp.Diff(c.want, table(t, w.DB(), c.query, second)); diff != "" {
					t.Errorf("%s\n(-want +got):\n%s", c.query, diff)
				}
			}
			restated, err := w.Restated(context.Background(), second)
			if err != nil {
				t.Fatal(err)
			}
			if restated != tt.restated {
				t.Errorf("Restated = %d, want %d", restated, tt.restated)
			}
			// Changes are kept: a third run that changes nothing adds none
			// and leaves the second run's.
			before := table(t, w.DB(), `SELECT * FROM metric_changes ORDER BY ALL`)
			runAt(t, w, mustRegistry(t, reg), received("2021-04-12 02:00"), tt.settings, tt.uploads...)
			if diff := cmp.Diff(before, table(t, w.DB(), `SELECT * FROM metric_changes ORDER BY ALL`)); diff != "" {
				t.Errorf("a run that changed nothing changed metric_changes:\n%s", diff)
			}
		})
	}
}

func sortedRows(rows [][]string) [][]string {
	sortRows(rows)
	return rows
}

// runs has one row per committed run, with what it read; a run rolled back
// leaves none.
func TestRunsView(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	a := newForm("450109100201", "2021-03")
	b := newForm("450109100202", "2021-03")
	runAt(t, w, reg, received("2021-04-03 02:00"), Settings{},
		upload{path: "a.xlsx", received: received("2021-04-02 10:00"), form: a},
		upload{path: "~$a.xlsx", received: received("2021-04-02 10:00"), ignored: "office_lock_file"})
	ctx := context.Background()
	r, err := w.Begin(ctx, "inbox", received("2021-04-04 02:00"))
	if err != nil {
		t.Fatal(err)
	}
	r.Rollback()
	runAt(t, w, reg, received("2021-04-05 02:00"), Settings{DeadlineDay: 3, MinSample: 20},
		upload{path: "a.xlsx", received: received("2021-04-02 10:00"), form: a},
		upload{path: "b.xlsx", received: received("2021-04-04 10:00"), form: b})
	got := table(t, w.DB(), `SELECT run_id, started_at, finished_at, files_seen, forms_read, status FROM runs ORDER BY run_id`)
	want := [][]string{
		{"1", "2021-04-02T18:00:00Z", "2021-04-02T18:01:00Z", "2", "1", "committed"},
		{"2", "2021-04-04T18:00:00Z", "2021-04-04T18:01:00Z", "2", "1", "committed"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if got := table(t, w.DB(), `SELECT run_id, deadline_day, min_sample FROM runs ORDER BY run_id`); !cmp.Equal(got, [][]string{{"1", "5", "10"}, {"2", "3", "20"}}) {
		t.Errorf("settings per run: %v", got)
	}
}

// metric_flags is kept between runs and recomputed only for the units whose
// figures changed (or for all when min_sample or the definitions change):
// after every run of a history of runs it is what a fresh warehouse loading
// the same files at once computes.
func TestFlagsIncrementalEqualsFresh(t *testing.T) {
	const lx, nl, xc = "450109100201", "450109100202", "450109200201"
	period := func(i int) string { return day("2020-01-01").AddDate(0, i, 0).Format("2006-01") }
	upload1 := func(code string, i, n, satisfied int, sha string) upload {
		p := period(i)
		f := newForm(code, p)
		f.Requests = rated(code[9:]+p+sha, p, n, satisfied, n/4)
		rec := day(p+"-01").AddDate(0, 1, 1).In(shanghai)
		if sha != "" {
			rec = rec.AddDate(0, 3, 0) // a correction, received later
		}
		return upload{path: code + "/" + p + ".xlsx", sha: code + p + sha, received: rec, form: f}
	}
	lxCounts := []int{20, 21, 19, 20, 22, 20, 200, 20}
	xcCounts := []int{10, 10, 10, 10, 10, 10, 0, 10}
	month := func(i int) []upload {
		return []upload{
			upload1(lx, i, lxCounts[i], lxCounts[i]*9/10, ""),
			upload1(nl, i, 5, 4, ""),
			upload1(xc, i, xcCounts[i], xcCounts[i], ""),
		}
	}
	moved := strings.Replace(strings.Replace(testRegistry,
		"450109100202,那楼社区,community,450109100000", "450109100202,那楼社区,community,450109200000", 1),
		"450109100203,平安村,village", "450109100203,平安村,community", 1)
	type step struct {
		name     string
		uploads  []upload // added to the inbox
		registry string
		settings Settings
	}
	var steps []step
	for i := range 8 {
		steps = append(steps, step{name: "month " + period(i), uploads: month(i)})
	}
	steps = append(steps,
		step{name: "the spike corrected", uploads: []upload{upload1(lx, 6, 25, 22, "fix")}},
		step{name: "min sample 20", settings: Settings{MinSample: 20}},
		step{name: "registry: a move and a level", registry: moved, settings: Settings{MinSample: 20}},
		step{name: "history restated", registry: moved, settings: Settings{MinSample: 20}, uploads: []upload{upload1(xc, 2, 40, 40, "fix")}},
		step{name: "min sample back to default", registry: moved},
	)
	w := openTemp(t)
	var inbox []upload
	for i, s := range steps {
		inbox = append(inbox, s.uploads...)
		reg := testRegistry
		if s.registry != "" {
			reg = s.registry
		}
		at := day("2020-09-10").AddDate(0, 0, i).In(shanghai)
		runAt(t, w, mustRegistry(t, reg), at, s.settings, inbox...)
		fresh := openTemp(t)
		runAt(t, fresh, mustRegistry(t, reg), at, s.settings, inbox...)
		const q = `SELECT * FROM metric_flags ORDER BY ALL`
		got, want := table(t, w.DB(), q), table(t, fresh.DB(), q)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after %q: metric_flags (-fresh +kept between runs):\n%s", s.name, diff)
		}
		if len(want) == 0 {
			t.Errorf("after %q: no flags at all", s.name)
		}
	}
	// The history has what the steps are about.
	for _, want := range [][]string{
		{"2020-07", lx, "requests_total", "anomaly"},
		{"2020-07", xc, "requests_total", "anomaly"},
	} {
		if got := table(t, w.DB(), `SELECT period, unit_code, metric, flag FROM metric_flags WHERE period = ? AND unit_code = ? AND metric = ? AND flag = ?`, want[0], want[1], want[2], want[3]); len(got) != 1 {
			t.Errorf("no flag %v at the end", want)
		}
	}
}

// A warehouse written before metric_flags and metric_changes (schema 3,
// whose runs table had no forms_read or status) opens without a new schema
// version: runs gains its columns in place, its old runs count as committed,
// and the next run compares with the figures the old version left.
func TestOpensWarehouseWithoutTrust(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.duckdb")
	old, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
		// (written with version 3; the current version since schema 4, so
		// that the in-place additions are still checked)
		`INSERT INTO meta VALUES ('schema_version', '` + schemaVersion + `')`,
		`CREATE TABLE runs (run_id INTEGER PRIMARY KEY, started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ,
			inbox VARCHAR NOT NULL, files_seen INTEGER, files_read INTEGER)`,
		`INSERT INTO runs VALUES (1, '2021-04-03 02:00:00+08', '2021-04-03 02:01:00+08', 'inbox', 7, 6)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	w, err := Open(context.Background(), path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	f := newForm("450109100201", "2021-03")
	f.Requests = requests("A", "2021-03", 3, 3, 0)
	id := runAt(t, w, mustRegistry(t, testRegistry), received("2021-04-10 02:00"), Settings{},
		upload{path: "a.xlsx", received: received("2021-04-02 10:00"), form: f})
	if got := table(t, w.DB(), `SELECT run_id, files_seen, forms_read, status FROM runs ORDER BY run_id`); !cmp.Equal(got, [][]string{{"1", "7", "6", "committed"}, {"2", "1", "1", "committed"}}) {
		t.Errorf("runs: %v", got)
	}
	if got := table(t, w.DB(), `SELECT count(*) FROM metric_changes WHERE run_id = $1`, id); got[0][0] != "0" {
		t.Errorf("%s changes recorded against no previous figures", got[0][0])
	}
	if got := table(t, w.DB(), `SELECT count(*) FROM metric_flags WHERE unit_code = '450109100201' AND flag = 'small_sample'`); got[0][0] != "4" {
		t.Errorf("%s small samples for 3 requests, want 4 (resolution, ontime, rating, satisfaction)", got[0][0])
	}
}
