package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"grassroots/pipeline/form"
	"grassroots/queries"
)

func statuses(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT path, status FROM submissions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var p, s string
		if err := rows.Scan(&p, &s); err != nil {
			t.Fatal(err)
		}
		got[p] = s
	}
	return got
}

func rejectedForm(path string) *form.Form {
	return &form.Form{Path: path, Rejected: true, Issues: []form.Issue{{Path: path, Code: form.CodeNotXLSX, Severity: form.SeverityFile, Message: "不是有效的xlsx文件"}}}
}

// A village sends a form, then a corrected one, then a damaged upload: the
// corrected one counts; the damaged one is rejected and replaces nothing.
func TestResubmission(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	first := newForm("450109100201", "2021-03")
	first.Requests = requests("A", "2021-03", 10, 2, 0)
	corrected := newForm("450109100201", "2021-03")
	corrected.Requests = requests("A", "2021-03", 10, 8, 0)
	runOnce(t, w, reg,
		upload{path: "a/first.xlsx", received: received("2021-04-02 10:00"), form: first},
		upload{path: "a/corrected.xlsx", received: received("2021-04-08 10:00"), form: corrected},
		upload{path: "a/damaged.xlsx", received: received("2021-04-09 10:00"), form: rejectedForm("a/damaged.xlsx")},
	)
	want := map[string]string{"a/first.xlsx": "superseded", "a/corrected.xlsx": "accepted", "a/damaged.xlsx": "rejected"}
	if diff := cmp.Diff(want, statuses(t, w.DB())); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if got := metric(t, w.DB(), "2021-03", "450109100201", "resolution_rate"); got != ratio(8, 10) {
		t.Errorf("resolution_rate = %+v, want the corrected form's 8/10", got)
	}
	// On time follows the earliest accepted form (2 April), not the correction.
	if got := metric(t, w.DB(), "2021-03", "450109100201", "timely_rate"); got != ratio(1, 1) {
		t.Errorf("timely_rate = %+v, want 1/1", got)
	}
}

// Equal receipt times: the path that sorts later as bytes wins.
func TestResubmissionTieBrokenByPath(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	at := received("2021-04-02 10:00")
	a, b := newForm("450109100201", "2021-03"), newForm("450109100201", "2021-03")
	b.Requests = requests("B", "2021-03", 1, 1, 0)
	runOnce(t, w, reg, upload{path: "x/a.xlsx", received: at, form: a}, upload{path: "x/b.xlsx", received: at, form: b})
	if got := statuses(t, w.DB())["x/b.xlsx"]; got != "accepted" {
		t.Errorf("x/b.xlsx is %s, want accepted", got)
	}
}

// A request open at the end of March and resolved in April's form counts
// once, in March, resolved; April's form has its own new request.
func TestRequestAcrossMonths(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	march := newForm("450109100201", "2021-03")
	march.Requests = []form.Request{{Row: 2, ID: "R1", RequestedOn: day("2021-03-28"), State: form.StateInProgress}}
	april := newForm("450109100201", "2021-04")
	april.Requests = []form.Request{
		{Row: 2, ID: "R1", RequestedOn: day("2021-03-28"), State: form.StateResolved, ResolvedOn: day("2021-04-03"), Rating: "满意"},
		{Row: 3, ID: "R2", RequestedOn: day("2021-04-10"), State: form.StateInProgress},
	}
	runOnce(t, w, reg,
		upload{path: "m3.xlsx", received: received("2021-04-02 10:00"), form: march},
		upload{path: "m4.xlsx", received: received("2021-05-02 10:00"), form: april},
	)
	db := w.DB()
	for _, tt := range []struct {
		period, metric string
		want           mv
	}{
		{"2021-03", "requests_total", count(1)},
		{"2021-03", "resolution_rate", ratio(1, 1)},
		{"2021-03", "ontime_rate", ratio(1, 1)},
		{"2021-03", "days_to_resolve_median", count(6)},
		{"2021-04", "requests_total", count(1)},
		{"2021-04", "resolution_rate", ratio(0, 1)},
	} {
		if got := metric(t, db, tt.period, "450109100201", tt.metric); got != tt.want {
			t.Errorf("%s %s = %+v, want %+v", tt.period, tt.metric, got, tt.want)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM requests WHERE request_id = 'R1'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("R1 in requests view %d times (err %v), want once", n, err)
	}
}

// A later form that lists a request with another requested-on date: the later
// values win and the clerk is warned at the later form's cell.
func TestRequestChangedDate(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	march := newForm("450109100201", "2021-03")
	march.Requests = []form.Request{{Row: 2, ID: "R1", RequestedOn: day("2021-03-28"), RequestedOnCell: "B2", State: form.StateInProgress}}
	april := newForm("450109100201", "2021-04")
	april.Requests = []form.Request{{Row: 5, ID: "R1", RequestedOn: day("2021-04-01"), RequestedOnCell: "B5", State: form.StateInProgress}}
	runOnce(t, w, reg,
		upload{path: "m3.xlsx", received: received("2021-04-02 10:00"), form: march},
		upload{path: "m4.xlsx", received: received("2021-05-02 10:00"), form: april},
	)
	var path, sheet, cell, value string
	err := w.DB().QueryRow(`SELECT path, sheet, cell, value FROM issues WHERE code = 'request_changed_date'`).Scan(&path, &sheet, &cell, &value)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := []string{path, sheet, cell, value}, []string{"m4.xlsx", "点单台账", "B5", "2021-04-01"}; !cmp.Equal(got, want) {
		t.Errorf("issue at %v, want %v", got, want)
	}
	if got := metric(t, w.DB(), "2021-04", "450109100201", "requests_total"); got != count(1) {
		t.Errorf("April requests_total = %+v, want the later date's month to count it", got)
	}
}

// A code the registry lacks is rejected, and accepted on the next run once
// the analyst adds the village, without the clerk sending it again.
func TestUnknownCodeRecheckedEveryRun(t *testing.T) {
	w := openTemp(t)
	f := newForm("450109100299", "2021-03")
	up := upload{path: "new.xlsx", received: received("2021-04-02 10:00"), form: f}
	runOnce(t, w, mustRegistry(t, testRegistry), up)
	if got := statuses(t, w.DB())["new.xlsx"]; got != "rejected" {
		t.Fatalf("status %s, want rejected", got)
	}
	var msg string
	if err := w.DB().QueryRow(`SELECT message FROM issues WHERE code = 'unknown_code'`).Scan(&msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "450109100299") {
		t.Errorf("message %q does not name the code", msg)
	}
	runOnce(t, w, mustRegistry(t, testRegistry+"450109100299,新设社区,community,450109100000\n"), up)
	if got := statuses(t, w.DB())["new.xlsx"]; got != "accepted" {
		t.Errorf("after the registry gained the code: status %s, want accepted", got)
	}
}

// dump is the warehouse's visible state: every public view, sorted.
func dump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT * FROM metric_values ORDER BY ALL`,
		`SELECT path, sha256, unit_code, period, received_at, status, errors, warnings FROM submissions ORDER BY ALL`,
		`SELECT path, sheet, cell, code, severity, value, message FROM issues ORDER BY ALL`,
		`SELECT * FROM requests ORDER BY ALL`,
		`SELECT count(*) FROM forms`,
		`SELECT count(*) FROM request_rows`,
	} {
		for _, r := range table(t, db, q) {
			fmt.Fprintln(&b, strings.Join(r, " "))
		}
	}
	return b.String()
}

// A run that fails half-way (here: abandoned after loading and refreshing)
// leaves the warehouse exactly as before.
func TestFailedRunLeavesWarehouseUnchanged(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	f := newForm("450109100201", "2021-03")
	f.Requests = requests("A", "2021-03", 5, 3, 1)
	runOnce(t, w, reg, upload{path: "a.xlsx", received: received("2021-04-02 10:00"), form: f})
	before := dump(t, w.DB())

	ctx := context.Background()
	r, err := w.Begin(ctx, "inbox", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	g := newForm("450109100202", "2021-03")
	g.Requests = requests("B", "2021-03", 7, 7, 0)
	if err := r.AddFile(ctx, File{Path: "b.xlsx", SHA256: "b", MTime: time.Now(), ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := r.AddForm(ctx, "b", g); err != nil {
		t.Fatal(err)
	}
	if err := r.Refresh(ctx, reg, Settings{}); err != nil {
		t.Fatal(err)
	}
	r.Rollback() // the failure: nothing commits

	if diff := cmp.Diff(before, dump(t, w.DB())); diff != "" {
		t.Errorf("warehouse changed by a failed run (-before +after):\n%s", diff)
	}
}

// Running twice over the same files changes nothing visible.
func TestRunTwiceIsIdempotent(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	f := newForm("450109100201", "2021-03")
	f.Requests = requests("A", "2021-03", 5, 3, 1)
	f.Orgs = []form.OrgRow{{Row: 3, Name: "小区1", Type: form.UnitResidential, HasOrg: true, HowFormed: form.FormedJoint, OrgName: "联合支部"}}
	up := upload{path: "a.xlsx", received: received("2021-04-02 10:00"), form: f}
	runOnce(t, w, reg, up)
	first := dump(t, w.DB())
	runOnce(t, w, reg, up)
	if diff := cmp.Diff(first, dump(t, w.DB())); diff != "" {
		t.Errorf("second run changed the warehouse (-first +second):\n%s", diff)
	}
}

// A second run on a warehouse in use fails at once with ErrLocked.
func TestSecondRunIsLockedOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w, err := Open(context.Background(), path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	start := time.Now()
	_, err = Open(context.Background(), path, slog.New(slog.DiscardHandler))
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("second Open waited %v; it must fail at once", time.Since(start))
	}
}

// Coverage: rows by type, organizations by how formed from their first row;
// a joint organization over two rows counts once.
func TestCoverage(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	f := newForm("450109100201", "2021-03")
	f.Orgs = []form.OrgRow{
		{Row: 3, Name: "小区1", Type: form.UnitResidential, HasOrg: true, HowFormed: form.FormedStandalone, OrgName: "一支部"},
		{Row: 4, Name: "小区2", Type: form.UnitResidential, HasOrg: false},
		{Row: 5, Name: "公司A", Type: form.UnitEnterprise, HasOrg: true, HowFormed: form.FormedJoint, OrgName: "联合支部"},
		{Row: 6, Name: "公司B", Type: form.UnitEnterprise, HasOrg: true, HowFormed: form.FormedJoint, OrgName: "联合支部"},
		{Row: 7, Name: "农场", Type: form.UnitFamilyFarm, HasOrg: true}, // missing_org_name: covered, no organization
		{Row: 8, Name: "社", Type: form.UnitCooperative, HasOrg: true, OrgName: "无方式支部"},
	}
	runOnce(t, w, reg, upload{path: "a.xlsx", received: received("2021-04-02 10:00"), form: f})
	for _, tt := range []struct {
		metric string
		want   mv
	}{
		{"coverage_residential", ratio(1, 2)},
		{"coverage_enterprise", ratio(2, 2)},
		{"coverage_family_farm", ratio(1, 1)},
		{"coverage_cooperative", ratio(1, 1)},
		{"coverage_all", ratio(5, 6)},
		{"orgs_standalone", count(1)},
		{"orgs_joint", count(1)},
	} {
		if got := metric(t, w.DB(), "2021-03", "450109100201", tt.metric); got != tt.want {
			t.Errorf("%s = %+v, want %+v", tt.metric, got, tt.want)
		}
	}
}

// The analysts' example queries of docs/warehouse.md return exactly the
// hand-worked rows below on a small warehouse; an example without them fails. 龙象社区 reported 20 requests, all resolved, every month from
// 2020-09 to 2021-02, then 10 (6 resolved, 2 disputes) in 2021-03; 那楼社区
// 4 of 4 in 2021-03. A second run brings a corrected February for 龙象社区
// (15 of its 20 requests resolved).
func TestExampleQueries(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	var history []upload
	for i := range 6 {
		p := day("2020-09-01").AddDate(0, i, 0).Format("2006-01")
		f := newForm("450109100201", p)
		f.Requests = requests("H"+p, p, 20, 20, 0)
		history = append(history, upload{path: "龙象社区/" + p + ".xlsx", received: day(p+"-02").AddDate(0, 1, 0).In(shanghai), form: f})
	}
	a := newForm("450109100201", "2021-03")
	a.Requests = requests("A", "2021-03", 10, 6, 2)
	a.Issues = []form.Issue{{Sheet: "点单台账", Cell: "B7", Code: form.CodeBadDate, Severity: form.SeverityRow, Value: "2021-13-05", Message: "日期无效"}}
	a.Cover.FilledBy, a.Cover.Phone = "李明", "13812345678"
	b := newForm("450109100202", "2021-03")
	b.Requests = requests("B", "2021-03", 4, 4, 0)
	march := []upload{
		{path: "a.xlsx", received: received("2021-04-02 10:00"), form: a},
		{path: "b.xlsx", received: received("2021-04-09 10:00"), form: b},
		{path: "c.xlsx", received: received("2021-04-03 10:00"), form: rejectedForm("c.xlsx")},
	}
	runOnce(t, w, reg, slices.Concat(history, march)...)
	feb := newForm("450109100201", "2021-02")
	feb.Requests = requests("H2021-02", "2021-02", 20, 15, 0)
	corrected := upload{path: "龙象社区/2021-02.xlsx", sha: "corrected", received: received("2021-04-09 08:00"), form: feb}
	runOnce(t, w, reg, slices.Concat(history[:5], []upload{corrected}, march)...)

	restated := func(unit, name string) [][]string {
		return [][]string{
			{"2021-02", unit, name, "ontime_rate", "20", "20", "15", "15", "龙象社区/2021-02.xlsx"},
			{"2021-02", unit, name, "rating_rate", "20", "20", "15", "15", "龙象社区/2021-02.xlsx"},
			{"2021-02", unit, name, "resolution_rate", "20", "20", "15", "20", "龙象社区/2021-02.xlsx"},
			{"2021-02", unit, name, "satisfaction_rate", "20", "20", "15", "15", "龙象社区/2021-02.xlsx"},
		}
	}
	want := map[string][][]string{
		// 2021-03: 龙象社区's 6 resolved requests are all rated and on time,
		// 2 disputes; 那楼社区 4 of 4; above them, 10 resolved of 14 are
		// enough, the 2 disputes are not.
		"small_samples": {
			{"450100000000", "南宁市", "调处成功率", "2", "2", "矛盾纠纷数 2，样本不足"},
			{"450109000000", "邕宁区", "调处成功率", "2", "2", "矛盾纠纷数 2，样本不足"},
			{"450109100000", "那楼镇", "调处成功率", "2", "2", "矛盾纠纷数 2，样本不足"},
			{"450109100201", "龙象社区", "按期办结率", "6", "6", "有办结日期的办结数 6，样本不足"},
			{"450109100201", "龙象社区", "评单率", "6", "6", "办结数 6，样本不足"},
			{"450109100201", "龙象社区", "满意率", "6", "6", "评单数 6，样本不足"},
			{"450109100201", "龙象社区", "调处成功率", "2", "2", "矛盾纠纷数 2，样本不足"},
			{"450109100202", "那楼社区", "办结率", "4", "4", "点单数 4，样本不足"},
			{"450109100202", "那楼社区", "按期办结率", "4", "4", "有办结日期的办结数 4，样本不足"},
			{"450109100202", "那楼社区", "评单率", "4", "4", "办结数 4，样本不足"},
			{"450109100202", "那楼社区", "满意率", "4", "4", "评单数 4，样本不足"},
		},
		// 20 requests a month, all resolved (one February at 75% after the
		// correction: the median stays 100%, the MAD 0), then 10 at 60%.
		"anomalies": {
			{"450109100201", "龙象社区", "那楼镇", "点单总数", "点单总数 10，近12个月中位数 20"},
			{"450109100201", "龙象社区", "那楼镇", "办结率", "办结率 60.0%，近12个月中位数 100.0%"},
		},
		// February's figures of 龙象社区 and the units above it (the only
		// unit with a February form), changed by the corrected file.
		"restated_figures": slices.Concat(
			restated("450100000000", "南宁市"), restated("450109000000", "邕宁区"),
			restated("450109100000", "那楼镇"), restated("450109100201", "龙象社区")),
		"figure_history": {{"2", "20", "20", "15", "15", "龙象社区/2021-02.xlsx"}},
		// 那楼镇 has three reporting units; only 龙象社区 reported before
		// March (20 of 20 resolved, February 15 after the correction), and
		// in March 10 of 14 requests were resolved; no organization rows.
		"township_trend": {
			{"2020-09", "0.3333333333333333", "1", "1", "NULL"},
			{"2020-10", "0.3333333333333333", "1", "1", "NULL"},
			{"2020-11", "0.3333333333333333", "1", "1", "NULL"},
			{"2020-12", "0.3333333333333333", "1", "1", "NULL"},
			{"2021-01", "0.3333333333333333", "1", "1", "NULL"},
			{"2021-02", "0.3333333333333333", "0.75", "1", "NULL"},
			{"2021-03", "0.6666666666666666", "0.7142857142857143", "1", "NULL"},
		},
		// a.xlsx's bad date, c.xlsx's rejection.
		"issue_codes": {{"bad_date", "row", "1", "1"}, {"not_xlsx", "file", "1", "1"}},
		// March: 新村 and 平安村 sent nothing; 那楼社区's form came on
		// 9 April, after the 5th (received_at in UTC); 龙象社区 was on time.
		"late_or_missing": {
			{"邕宁区", "蒲庙镇", "新村", "missing", "NULL", "NULL", "NULL", "NULL"},
			{"邕宁区", "那楼镇", "平安村", "missing", "NULL", "NULL", "NULL", "NULL"},
			{"邕宁区", "那楼镇", "那楼社区", "accepted", "false", "2021-04-09T02:00:00Z", "NULL", "NULL"},
		},
		// Units with no requests (平安村, 新村) have no rate and are left out.
		"worst_villages_resolution": {
			{"450109100201", "龙象社区", "那楼镇", "6", "10", "0.6"},
			{"450109100202", "那楼社区", "那楼镇", "4", "4", "1"},
		},
		// March in 邕宁区: 2 of its 4 reporting units reported, 1 on time;
		// 10 of 14 requests resolved, all 10 on time, rated and satisfied;
		// both disputes mediated; the covers say nothing of councils,
		// groups or one shoulder (0 of 2 forms); no organizations or meetings.
		"district_rates": {
			{"邕宁区", "council_coverage", "0", "2", "0"},
			{"邕宁区", "coverage_all", "0", "0", "NULL"},
			{"邕宁区", "coverage_cooperative", "0", "0", "NULL"},
			{"邕宁区", "coverage_enterprise", "0", "0", "NULL"},
			{"邕宁区", "coverage_family_farm", "0", "0", "NULL"},
			{"邕宁区", "coverage_residential", "0", "0", "NULL"},
			{"邕宁区", "deliberation_followup_rate", "0", "0", "NULL"},
			{"邕宁区", "enterprise_party_coverage", "0", "0", "NULL"},
			{"邕宁区", "grid_group_coverage", "0", "0", "NULL"},
			{"邕宁区", "group_coverage", "0", "2", "0"},
			{"邕宁区", "mediation_success_rate", "2", "2", "1"},
			{"邕宁区", "one_shoulder_rate", "0", "2", "0"},
			{"邕宁区", "ontime_rate", "10", "10", "1"},
			{"邕宁区", "park_problem_solved_rate", "0", "0", "NULL"},
			{"邕宁区", "rating_rate", "10", "10", "1"},
			{"邕宁区", "reporting_rate", "2", "4", "0.5"},
			{"邕宁区", "resolution_rate", "10", "14", "0.7143"},
			{"邕宁区", "satisfaction_rate", "10", "10", "1"},
			{"邕宁区", "service_center_standard_rate", "0", "0", "NULL"},
			{"邕宁区", "standard_branch_rate", "0", "0", "NULL"},
			{"邕宁区", "three_star_rate", "0", "0", "NULL"},
			{"邕宁区", "timely_rate", "1", "4", "0.25"},
		},
		"rejected_forms": {{"c.xlsx", "NULL", "NULL", "2021-04-03T02:00:00Z", "not_xlsx", "不是有效的xlsx文件"}},
		"run_history": {
			{"1", "2021-04-09T18:00:00Z", "9", "9", "committed", "0", "0"},
			{"2", "2021-04-09T18:00:00Z", "9", "1", "committed", "16", "16"},
		},
		// A registry without months: both views the same. (The hierarchy
		// through time: TestHierarchyThroughTime.)
		"unit_then_and_now": {
			{"2020-09", "20", "20", "1", "1", "1", "1"},
			{"2020-10", "20", "20", "1", "1", "1", "1"},
			{"2020-11", "20", "20", "1", "1", "1", "1"},
			{"2020-12", "20", "20", "1", "1", "1", "1"},
			{"2021-01", "20", "20", "1", "1", "1", "1"},
			{"2021-02", "20", "20", "1", "1", "1", "1"},
			{"2021-03", "10", "10", "1", "1", "1", "1"},
		},
	}
	examples := queries.Examples()
	for name, q := range examples {
		t.Run(name, func(t *testing.T) {
			want, ok := want[name]
			if !ok {
				t.Fatalf("no hand-worked result for %s.sql: add one to this test", name)
			}
			if diff := cmp.Diff(want, table(t, w.DB(), q)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for name := range want {
		if _, ok := examples[name]; !ok {
			t.Errorf("no example %s.sql", name)
		}
	}
}

// days_to_resolve_median is recomputed from every request under a unit:
// 龙象社区 took 1, 2 and 10 days (median 2), 那楼社区 20 and 30 (an even
// count: 25); their township's median is over all five values, 10 — not the
// mean of the two medians (13.5).
func TestMedianRecomputedUpTheTree(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	resolvedAfter := func(prefix string, days ...int) []form.Request {
		var out []form.Request
		for i, d := range days {
			on := day("2021-03-01")
			out = append(out, form.Request{Row: i + 2, ID: fmt.Sprintf("%s%d", prefix, i), RequestedOn: on,
				State: form.StateResolved, ResolvedOn: on.AddDate(0, 0, d)})
		}
		// An open request has no days to resolve and must not count.
		return append(out, form.Request{Row: 99, ID: prefix + "open", RequestedOn: day("2021-03-02"), State: form.StateInProgress})
	}
	a := newForm("450109100201", "2021-03")
	a.Requests = resolvedAfter("A", 10, 1, 2)
	b := newForm("450109100202", "2021-03")
	b.Requests = resolvedAfter("B", 30, 20)
	runOnce(t, w, reg,
		upload{path: "a.xlsx", received: received("2021-04-02 10:00"), form: a},
		upload{path: "b.xlsx", received: received("2021-04-02 10:00"), form: b})
	for _, tt := range []struct {
		unit string
		want mv
	}{
		{"450109100201", count(2)},
		{"450109100202", count(25)},
		{"450109100000", count(10)},
		{"450100000000", count(10)},
		{"450109100203", mv{}}, // no resolved request: NULL
	} {
		if got := metric(t, w.DB(), "2021-03", tt.unit, "days_to_resolve_median"); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.unit, got, tt.want)
		}
	}
}

// DuckDB's memory is capped (it spills to disk beyond), so that a run's peak
// memory does not grow with the inbox.
func TestMemoryLimit(t *testing.T) {
	for _, tt := range []struct{ set, want string }{{"", "488.2 MiB"}, {"1GB", "953.6 MiB"}} {
		w, err := OpenWith(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"), slog.New(slog.DiscardHandler), Options{MemoryLimit: tt.set})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := w.DB().QueryRow(`SELECT current_setting('memory_limit')`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		w.Close()
		if got != tt.want {
			t.Errorf("memory limit %q: DuckDB has %q, want %q", tt.set, got, tt.want)
		}
	}
}

// TestFilePutBack: a path whose content changed and then came back as it
// was (restored from a backup, with its old size and modification time) is
// known again by its first content: the next run does not hash it, and
// takes it as the path's content, though nothing about the row changed
// but that it is the newest at its path again.
func TestFilePutBack(t *testing.T) {
	ctx := context.Background()
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	a := upload{path: "v/2021-03.xlsx", sha: "sha-a", received: received("2021-04-02 09:00"), form: newForm("450109100201", "2021-03")}
	b := upload{path: "v/2021-03.xlsx", sha: "sha-b", received: received("2021-04-03 09:00"), form: newForm("450109100201", "2021-03")}
	for i, up := range []upload{a, b, a} {
		runAt(t, w, reg, day("2021-04-10").AddDate(0, 0, i), Settings{}, up)
		r, err := w.Begin(ctx, "inbox", day("2021-04-20"))
		if err != nil {
			t.Fatal(err)
		}
		sha, ok := r.Unchanged(up.path, 1, up.received)
		r.Rollback()
		if !ok || sha != up.sha {
			t.Errorf("after run %d: Unchanged = %q, %v; want %q", i+1, sha, ok, up.sha)
		}
	}
}

// TestReceiptTimeAlone: receipts.csv moves a file's receipt time while the
// file stays as it was (same content, size and modification time). The
// file's row changes with it, and so do the statuses of its unit and month:
// the form received last is accepted. A night after that, with nothing
// new, changes nothing.
func TestReceiptTimeAlone(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	mtime := received("2021-04-05 18:00")
	a := upload{path: "v/2021-03.xlsx", received: received("2021-04-02 09:00"), mtime: mtime, form: newForm("450109100201", "2021-03")}
	b := upload{path: "v/2021-03 更正.xlsx", received: received("2021-04-03 09:00"), mtime: mtime, form: newForm("450109100201", "2021-03")}
	statuses := func() [][]string {
		return table(t, w.DB(), `SELECT path, status, strftime(timezone('Asia/Shanghai', received_at), '%m-%d %H:%M') FROM submissions ORDER BY path`)
	}
	runAt(t, w, reg, day("2021-04-10"), Settings{}, a, b)
	want := [][]string{{"v/2021-03 更正.xlsx", "accepted", "04-03 09:00"}, {"v/2021-03.xlsx", "superseded", "04-02 09:00"}}
	if d := cmp.Diff(want, statuses()); d != "" {
		t.Fatalf("first night (-want +got):\n%s", d)
	}
	// The correction's receipt moves before the first form's: the first
	// form is the one received last.
	b.received = received("2021-04-01 09:00")
	runAt(t, w, reg, day("2021-04-11"), Settings{}, a, b)
	want = [][]string{{"v/2021-03 更正.xlsx", "superseded", "04-01 09:00"}, {"v/2021-03.xlsx", "accepted", "04-02 09:00"}}
	if d := cmp.Diff(want, statuses()); d != "" {
		t.Errorf("after the receipt moved (-want +got):\n%s", d)
	}
	runAt(t, w, reg, day("2021-04-12"), Settings{}, a, b)
	if d := cmp.Diff(want, statuses()); d != "" {
		t.Errorf("a night with nothing new (-want +got):\n%s", d)
	}
}
