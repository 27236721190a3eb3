package warehouse

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"grassroots/pipeline/form"
	"grassroots/queries"
)

// The hierarchy through time (docs/form.md, docs/metrics.md): two townships
// of one district, 那楼镇 (A) and 蒲庙镇 (B).
//
//	龙象社区 L  under A, always
//	平安村   P  under A until 2021-03, then merged into 龙象社区 (successor)
//	新村     X  under A until 2021-03, under B from 2021-04 (moved)
//	蒲庙村   Q  under B, always (no form for February)
//	新区社区 N  under B from 2021-03 (founded)
//
// Every form of a month lists, per unit: L 10 requests, 8 resolved; P 4, 2;
// X 6, 6; Q 5, 1; N 2, 1. P also sends a May form (3 requests, 3 resolved),
// after its merge, and N's March form lists one more request, of February
// (before N was founded), in progress.
const (
	cityCode = "450100000000"
	distCode = "450109000000"
	twA      = "450109100000"
	twB      = "450109200000"
	unitL    = "450109100201"
	unitP    = "450109100203"
	unitX    = "450109100301"
	unitQ    = "450109200202"
	unitN    = "450109200401"
)

func hierarchyRegistry(pValidTo string) string {
	return `code,name,level,parent_code,valid_from,valid_to,successor_code
450100000000,南宁市,city,,,,
450109000000,邕宁区,district,450100000000,,,
450109100000,那楼镇,township,450109000000,,,
450109200000,蒲庙镇,township,450109000000,,,
450109100201,龙象社区,community,450109100000,,,
450109100203,平安村,village,450109100000,,` + pValidTo + `,450109100201
450109100301,新村,village,450109100000,,2021-03,
450109100301,新村,village,450109200000,2021-04,,
450109200202,蒲庙村,village,450109200000,,,
450109200401,新区社区,community,450109200000,2021-03,,
`
}

func hierarchyUploads() []upload {
	type unit struct {
		code        string
		n, resolved int
		months      []string
	}
	units := []unit{
		{code: unitL, n: 10, resolved: 8, months: []string{"01", "02", "03", "04", "05"}},
		{code: unitP, n: 4, resolved: 2, months: []string{"01", "02", "03"}},
		{code: unitX, n: 6, resolved: 6, months: []string{"01", "02", "03", "04", "05"}},
		{code: unitQ, n: 5, resolved: 1, months: []string{"01", "03", "04", "05"}},
		{code: unitN, n: 2, resolved: 1, months: []string{"03", "04", "05"}},
	}
	var ups []upload
	for _, u := range units {
		for _, m := range u.months {
			p := "2021-" + m
			f := newForm(u.code, p)
			f.Requests = requests(u.code+p+"-", p, u.n, u.resolved, 0)
			if u.code == unitN && m == "03" {
				// Carried over from before it was founded: counts in March
				// (request_before_unit).
				f.Requests = append(f.Requests, form.Request{Row: 40, ID: "N-carried", RequestedOn: day("2021-02-20"),
					RequestedOnCell: "B40", State: form.StateInProgress})
			}
			ups = append(ups, upload{path: u.code + "/" + p + ".xlsx", received: day(p+"-01").AddDate(0, 1, 1).In(shanghai), form: f})
		}
	}
	may := newForm(unitP, "2021-05")
	may.Requests = requests("P2021-05-", "2021-05", 3, 3, 0)
	ups = append(ups, upload{path: unitP + "/2021-05.xlsx", received: received("2021-06-02 10:00"), form: may})
	return ups
}

// figures is period unit metric → "numerator/denominator" (or the count).
func figures(t *testing.T, w *Warehouse, view string, metrics ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range table(t, w.DB(), `SELECT period, unit_code, metric, numerator, coalesce(CAST(CAST(denominator AS BIGINT) AS VARCHAR), '-')
		FROM `+view+` WHERE list_contains($1, metric)`, metrics) {
		v := r[3]
		if r[4] != "-" {
			v += "/" + r[4]
		}
		out[r[0]+" "+r[1]+" "+r[2]] = v
	}
	return out
}

func TestHierarchyThroughTime(t *testing.T) {
	w := openTemp(t)
	at := received("2021-06-10 02:00")
	runAt(t, w, mustRegistry(t, hierarchyRegistry("2021-03")), at, Settings{}, hierarchyUploads()...)

	asReported := figures(t, w, "metric_values", "requests_total", "resolution_rate", "reporting_rate", "timely_rate")
	current := figures(t, w, "metric_values_current", "requests_total", "resolution_rate", "reporting_rate", "timely_rate")

	// Hand-worked, as reported (the hierarchy of each month).
	want := map[string]string{
		// January: A = L, P, X; B = Q.
		"2021-01 " + twA + " requests_total": "20", "2021-01 " + twA + " resolution_rate": "16/20",
		"2021-01 " + twA + " reporting_rate": "3/3",
		"2021-01 " + twB + " requests_total": "5", "2021-01 " + twB + " reporting_rate": "1/1",
		"2021-01 " + unitP + " requests_total":    "4",
		"2021-01 " + cityCode + " requests_total": "25", "2021-01 " + cityCode + " reporting_rate": "4/4",
		// February: Q sent nothing.
		"2021-02 " + twB + " reporting_rate": "0/1", "2021-02 " + twB + " timely_rate": "0/1",
		"2021-02 " + cityCode + " reporting_rate": "3/4",
		// March: N founded, under B.
		"2021-03 " + twB + " requests_total": "8", "2021-03 " + twB + " resolution_rate": "2/8",
		"2021-03 " + unitN + " requests_total": "3", "2021-02 " + cityCode + " requests_total": "20",
		"2021-03 " + twB + " reporting_rate": "2/2", "2021-03 " + unitN + " reporting_rate": "1/1",
		"2021-03 " + twA + " requests_total": "20", "2021-03 " + cityCode + " reporting_rate": "5/5",
		// April: P merged into L, X moved to B.
		"2021-04 " + twA + " requests_total": "10", "2021-04 " + twA + " resolution_rate": "8/10",
		"2021-04 " + twA + " reporting_rate": "1/1",
		"2021-04 " + twB + " requests_total": "13", "2021-04 " + twB + " resolution_rate": "8/13",
		"2021-04 " + twB + " reporting_rate":      "3/3",
		"2021-04 " + cityCode + " requests_total": "23", "2021-04 " + cityCode + " reporting_rate": "4/4",
		// May: P's form is unit_inactive: it counts nowhere.
		"2021-05 " + twA + " requests_total": "10", "2021-05 " + twA + " reporting_rate": "1/1",
		"2021-05 " + unitL + " requests_total":    "10",
		"2021-05 " + cityCode + " requests_total": "23", "2021-05 " + cityCode + " reporting_rate": "4/4",
	}
	for k, v := range want {
		if asReported[k] != v {
			t.Errorf("metric_values %s = %q, want %s", k, asReported[k], v)
		}
	}
	// No rows for a unit in a month it is not valid in.
	for _, k := range []string{
		"2021-01 " + unitN + " requests_total", "2021-02 " + unitN + " reporting_rate",
		"2021-04 " + unitP + " requests_total", "2021-05 " + unitP + " reporting_rate",
	} {
		if v, ok := asReported[k]; ok {
			t.Errorf("metric_values has %s = %s, want no row", k, v)
		}
	}

	// Today is May: P's figures go to L, its successor, and X's to B.
	wantCurrent := map[string]string{
		"2021-01 " + unitL + " requests_total": "14", "2021-01 " + unitL + " resolution_rate": "10/14",
		"2021-01 " + unitL + " reporting_rate": "2/2",
		"2021-01 " + twA + " requests_total":   "14", "2021-01 " + twA + " reporting_rate": "2/2",
		"2021-01 " + twB + " requests_total": "11", "2021-01 " + twB + " resolution_rate": "7/11",
		"2021-01 " + twB + " reporting_rate": "2/2",
		"2021-02 " + twB + " reporting_rate": "1/2",
		"2021-03 " + twB + " requests_total": "14", "2021-03 " + twB + " reporting_rate": "3/3",
		"2021-04 " + twA + " requests_total": "10", "2021-04 " + twB + " requests_total": "13",
		"2021-05 " + twA + " reporting_rate":   "1/1",
		"2021-01 " + unitN + " requests_total": "0", "2021-01 " + unitN + " reporting_rate": "0/0",
		// 蒲庙村 is where it was: its figures are metric_values'.
		"2021-01 " + unitQ + " requests_total": "5", "2021-02 " + unitQ + " reporting_rate": "0/1",
	}
	for k, v := range wantCurrent {
		if current[k] != v {
			t.Errorf("metric_values_current %s = %q, want %s", k, current[k], v)
		}
	}
	// Every month has today's 8 units (city, district, 2 townships, L, X,
	// Q, N) once, each with every metric (38).
	if got := table(t, w.DB(), `SELECT period, count(DISTINCT unit_code), count(*) FROM metric_values_current GROUP BY period ORDER BY period`); !cmp.Equal(got, [][]string{
		{"2021-01", "8", "304"}, {"2021-02", "8", "304"}, {"2021-03", "8", "304"}, {"2021-04", "8", "304"}, {"2021-05", "8", "304"},
	}) {
		t.Errorf("metric_values_current's units per month: %v", got)
	}
	if _, ok := current["2021-01 "+unitP+" requests_total"]; ok {
		t.Error("metric_values_current has a row for 平安村, not valid today")
	}
	// The city agrees in both views, every month and metric.
	for k, v := range asReported {
		if strings.Contains(k, cityCode) && current[k] != v {
			t.Errorf("city %s: metric_values %s, metric_values_current %s", k, v, current[k])
		}
	}
	// Nothing dropped: the city's requests over the months are every counted
	// request, in both views.
	for _, view := range []string{"metric_values", "metric_values_current"} {
		if got := table(t, w.DB(), `SELECT (SELECT sum(numerator) FROM `+view+` WHERE unit_code = $1 AND metric = 'requests_total'), (SELECT count(*) FROM requests)`, cityCode); got[0][0] != got[0][1] {
			t.Errorf("%s: the city counts %s requests of %s", view, got[0][0], got[0][1])
		}
	}
	if got := table(t, w.DB(), `SELECT path, sheet, cell, severity, value FROM issues WHERE code = 'request_before_unit'`); !cmp.Equal(got, [][]string{
		{unitN + "/2021-03.xlsx", "点单台账", "B40", "warning", "2021-02-20"},
	}) {
		t.Errorf("request_before_unit: %v", got)
	}
	// Rates never above 1, in either view.
	for _, view := range []string{"metric_values", "metric_values_current"} {
		if got := table(t, w.DB(), `SELECT count(*) FROM `+view+` WHERE metric IN ('reporting_rate', 'timely_rate') AND (value > 1 OR numerator > denominator)`); got[0][0] != "0" {
			t.Errorf("%s: %s reporting figures above 1", view, got[0][0])
		}
	}

	// queries/examples/unit_then_and_now.sql on 龙象社区: January to March
	// add 平安村's figures today; April and May are today's hierarchy.
	if got := table(t, w.DB(), queries.Examples()["unit_then_and_now"]); !cmp.Equal(got, [][]string{
		{"2021-01", "10", "14", "1", "1", "2", "2"},
		{"2021-02", "10", "14", "1", "1", "2", "2"},
		{"2021-03", "10", "14", "1", "1", "2", "2"},
		{"2021-04", "10", "10", "1", "1", "1", "1"},
		{"2021-05", "10", "10", "1", "1", "1", "1"},
	}) {
		t.Errorf("unit_then_and_now: %v", got)
	}

	// P's May form is rejected as unit_inactive; reporting_status lists only
	// the units expected each month.
	if got := statuses(t, w.DB())[unitP+"/2021-05.xlsx"]; got != "rejected" {
		t.Errorf("P's May form: %s, want rejected", got)
	}
	var msg string
	if err := w.DB().QueryRow(`SELECT message FROM issues WHERE code = 'unit_inactive' AND path = $1`, unitP+"/2021-05.xlsx").Scan(&msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "平安村") || !strings.Contains(msg, "龙象社区") || !strings.Contains(msg, unitL) {
		t.Errorf("unit_inactive message %q should name the village and its successor", msg)
	}
	if got := table(t, w.DB(), `SELECT count(*) FROM issues WHERE code = 'unknown_code'`); got[0][0] != "0" {
		t.Errorf("%s unknown_code issues for an inactive unit", got[0][0])
	}
	expected := table(t, w.DB(), `SELECT period, string_agg(unit_code || ':' || status, ' ' ORDER BY unit_code) FROM reporting_status GROUP BY period ORDER BY period`)
	wantExpected := [][]string{
		{"2021-01", unitL + ":accepted " + unitP + ":accepted " + unitX + ":accepted " + unitQ + ":accepted"},
		{"2021-02", unitL + ":accepted " + unitP + ":accepted " + unitX + ":accepted " + unitQ + ":missing"},
		{"2021-03", unitL + ":accepted " + unitP + ":accepted " + unitX + ":accepted " + unitQ + ":accepted " + unitN + ":accepted"},
		{"2021-04", unitL + ":accepted " + unitX + ":accepted " + unitQ + ":accepted " + unitN + ":accepted"},
		{"2021-05", unitL + ":accepted " + unitX + ":accepted " + unitQ + ":accepted " + unitN + ":accepted"},
	}
	if diff := cmp.Diff(wantExpected, expected); diff != "" {
		t.Errorf("reporting_status (-want +got):\n%s", diff)
	}
	if got := table(t, w.DB(), `SELECT township_code FROM reporting_status WHERE unit_code = $1 ORDER BY period`, unitX); !cmp.Equal(got, [][]string{{twA}, {twA}, {twA}, {twB}, {twB}}) {
		t.Errorf("新村's township by month: %v", got)
	}

	// The analyst extends P's validity to May: its May form is accepted at
	// the next run without a new upload, on time (received 2 June), and P is
	// expected (and missing) in April.
	runAt(t, w, mustRegistry(t, hierarchyRegistry("2021-05")), at.Add(24*time.Hour), Settings{}, hierarchyUploads()...)
	if got := statuses(t, w.DB())[unitP+"/2021-05.xlsx"]; got != "accepted" {
		t.Errorf("after the registry correction: P's May form %s, want accepted", got)
	}
	after := figures(t, w, "metric_values", "requests_total", "resolution_rate", "reporting_rate", "timely_rate")
	for k, v := range map[string]string{
		"2021-05 " + twA + " requests_total": "13", "2021-05 " + twA + " resolution_rate": "11/13",
		"2021-05 " + twA + " reporting_rate": "2/2", "2021-05 " + twA + " timely_rate": "2/2",
		"2021-05 " + unitP + " requests_total": "3",
		"2021-04 " + twA + " reporting_rate":   "1/2", "2021-04 " + unitP + " reporting_rate": "0/1",
		"2021-05 " + cityCode + " requests_total": "26",
	} {
		if after[k] != v {
			t.Errorf("after the correction: metric_values %s = %q, want %s", k, after[k], v)
		}
	}
	// The registry is the cause of April's changed reporting figures.
	if got := table(t, w.DB(), `SELECT cause FROM metric_changes WHERE run_id = (SELECT max(run_id) FROM runs)
		AND period = '2021-04' AND unit_code = $1 AND metric = 'reporting_rate'`, twA); !cmp.Equal(got, [][]string{{"registry"}}) {
		t.Errorf("cause of April's reporting_rate change for 那楼镇: %v", got)
	}
}

// A registry whose months are all empty is the registry without them: the
// same warehouse, and metric_values_current is metric_values.
func TestHierarchyEmptyColumnsChangeNothing(t *testing.T) {
	dated := "code,name,level,parent_code,valid_from,valid_to,successor_code\n"
	for _, line := range strings.Split(strings.TrimSpace(testRegistry), "\n")[1:] {
		dated += line + ",,,\n"
	}
	var dumps []string
	for _, reg := range []string{testRegistry, dated} {
		w := openTemp(t)
		ups := hierarchyUploads()[:6]
		for i := range ups {
			ups[i].form.Cover.Code = []string{"450109100201", "450109100202", "450109200201"}[i%3]
		}
		runAt(t, w, mustRegistry(t, reg), received("2021-06-10 02:00"), Settings{}, ups...)
		d := dump(t, w.DB())
		if got := table(t, w.DB(), `SELECT count(*) FROM (FROM metric_values EXCEPT ALL FROM metric_values_current)`); got[0][0] != "0" {
			t.Errorf("metric_values_current differs from metric_values in %s rows", got[0][0])
		}
		if got := table(t, w.DB(), `SELECT count(*) FROM metric_values_current_replaced`); got[0][0] != "0" {
			t.Errorf("%s rows computed for metric_values_current without months", got[0][0])
		}
		dumps = append(dumps, d)
	}
	if diff := cmp.Diff(dumps[0], dumps[1]); diff != "" {
		t.Errorf("with empty month columns (-without +with):\n%s", diff)
	}
}

// TestRequestMonthsWithoutForms: a month in which no form is accepted but
// a counted request was made has its figures (metric_periods): 龙象社区's
// April form lists a request of January, a month without forms; 新区社区,
// founded in March, lists one of February, which counts in March, also
// without forms; February, with neither, has no figures.
func TestRequestMonthsWithoutForms(t *testing.T) {
	w := openTemp(t)
	lApr := newForm(unitL, "2021-04")
	lApr.Requests = append(requests(unitL+"2021-04-", "2021-04", 2, 1, 0), requests(unitL+"2021-01-", "2021-01", 1, 1, 0)...)
	nApr := newForm(unitN, "2021-04")
	nApr.Requests = append(requests(unitN+"2021-04-", "2021-04", 1, 0, 0), requests(unitN+"2021-02-", "2021-02", 1, 0, 0)...)
	runAt(t, w, mustRegistry(t, hierarchyRegistry("2021-05")), day("2021-05-10").In(shanghai), Settings{},
		upload{path: unitL + "/2021-04.xlsx", received: received("2021-05-02 09:00"), form: lApr},
		upload{path: unitN + "/2021-04.xlsx", received: received("2021-05-02 09:00"), form: nApr})
	if got := table(t, w.DB(), `SELECT DISTINCT period FROM metric_values ORDER BY period`); !cmp.Equal(got, [][]string{{"2021-01"}, {"2021-03"}, {"2021-04"}}) {
		t.Errorf("months with figures: %v, want 2021-01, 2021-03 and 2021-04", got)
	}
	got := figures(t, w, "metric_values", "requests_total")
	for k, v := range map[string]string{
		"2021-01 " + unitL + " requests_total": "1", "2021-03 " + unitN + " requests_total": "1",
		"2021-04 " + unitL + " requests_total": "2", "2021-04 " + unitN + " requests_total": "1",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %s", k, got[k], v)
		}
	}
}
