package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"grassroots/definitions"
)

func parseMetrics(t *testing.T, text string) *definitions.Metrics {
	t.Helper()
	ms, err := definitions.ParseMetrics([]byte(text), "city.toml", definitions.DefaultMetrics())
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestCheckMetrics: an expression that DuckDB cannot bind against its source,
// or that gives no number, is reported with the file, the line of its key,
// the metric and the key, every one of them; valid definitions pass.
func TestCheckMetrics(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // each error's text starts so
	}{
		{"built-in", "", nil},
		{"a new metric of every shape", `
[[metric]]
name = "party_members"
title = "党员总数"
kind = "count"
family = "cover"
source = "cover"
numerator = "sum(party_members)"

[[metric]]
name = "council_answered_rate"
title = "理事会填报率"
kind = "ratio"
family = "cover"
source = "cover"
numerator = "count(*) FILTER (WHERE council IS NOT NULL)"
denominator = "count(*)"
`, nil},
		{"unknown column", `
[[metric]]
name = "satisfaction_rate"
numerator = "count(*) FILTER (WHERE stat = '已办结')"
`, []string{`city.toml:4: metric satisfaction_rate: numerator: Binder Error: Referenced column "stat" not found`}},
		{"not an aggregate, and not a number", `
[[metric]]
name = "resolution_rate"
numerator = "state"
denominator = "max(state)"

[[metric]]
name = "coverage_all"
source = "cover"
`, []string{
			`city.toml:4: metric resolution_rate: numerator: Binder Error: column "state" must appear in the GROUP BY clause`,
			`city.toml:5: metric resolution_rate: denominator: "max(state)" gives VARCHAR: want a number`,
			// coverage_all's expressions are the built-in ones, over the
			// orgs source: they do not bind to cover.
			`city.toml:7: metric coverage_all: numerator: Binder Error: Referenced column "has_org" not found`,
		}},
		{"a column of another source", `
[[metric]]
name = "requests_total"
source = "meetings"
numerator = "count(*) FILTER (WHERE state = '未受理')"
`, []string{`city.toml:5: metric requests_total: numerator: Binder Error: Referenced column "state" not found`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := definitions.DefaultMetrics()
			if tt.file != "" {
				ms = parseMetrics(t, tt.file)
			}
			err := CheckMetrics(context.Background(), ms, nil)
			var got []error
			if err != nil {
				if j, ok := err.(interface{ Unwrap() []error }); ok {
					got = j.Unwrap()
				} else {
					got = []error{err}
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors, want %d: %v", len(got), len(tt.want), err)
			}
			for i, e := range got {
				var me *definitions.MetricError
				if !errors.As(e, &me) {
					t.Errorf("%v: not a *definitions.MetricError", e)
				}
				if !strings.HasPrefix(e.Error(), tt.want[i]) {
					t.Errorf("error %d:\n%s\nwant it to start with\n%s", i, e, tt.want[i])
				}
			}
		})
	}
}

// TestMetricDefinitionsChange: a run with changed definitions computes the
// new metrics (a sum of a cover field, a rate over the units that answered),
// gives metric_catalog the definitions' order, rules and headline, names
// `definitions` as the cause of every figure it changed and recomputes every
// flag; going back to the built-in definitions changes the figures back.
func TestMetricDefinitionsChange(t *testing.T) {
	w := openTemp(t)
	reg := mustRegistry(t, testRegistry)
	lx := newForm("450109100201", "2021-03")
	lx.Cover.PartyMembers = sql.Null[int64]{V: 30, Valid: true}
	lx.Cover.Council = sql.Null[bool]{V: true, Valid: true}
	lx.Requests = rated("LX", "2021-03", 10, 6, 0)
	lx.Requests[9].Rating = "" // resolved, not rated
	nl := newForm("450109100202", "2021-03")
	nl.Cover.PartyMembers = sql.Null[int64]{V: 12, Valid: true}
	nl.Requests = rated("NL", "2021-03", 4, 4, 0)
	files := []upload{
		{path: "a.xlsx", received: received("2021-04-02 10:00"), form: lx},
		{path: "b.xlsx", received: received("2021-04-02 11:00"), form: nl},
	}
	at := received("2021-04-10 02:00")
	runAt(t, w, reg, at, Settings{}, files...)

	changed := parseMetrics(t, `
[[metric]]
name = "satisfaction_rate"
denominator = "count(*) FILTER (WHERE state = '已办结')"
headline = false

[[metric]]
name = "party_members"
title = "党员总数"
kind = "count"
family = "cover"
source = "cover"
numerator = "sum(party_members)"
headline = true

[[metric]]
name = "council_answered_rate"
title = "理事会填报率"
kind = "ratio"
family = "cover"
source = "cover"
numerator = "count(*) FILTER (WHERE council IS NOT NULL)"
denominator = "count(*)"
threshold = 0.5
direction = "below"
`)
	if err := CheckMetrics(context.Background(), changed, nil); err != nil {
		t.Fatal(err)
	}
	run := runAt(t, w, reg, at.Add(24*time.Hour), Settings{Metrics: changed}, files...)
	const figures = `SELECT unit_code, metric, numerator, denominator FROM metric_values
		WHERE period = '2021-03' AND unit_code IN ('450109100201', '450109100202', '450109100000')
		  AND metric IN ('satisfaction_rate', 'party_members', 'council_answered_rate')
		ORDER BY unit_code, metric`
	want := [][]string{
		{"450109100000", "council_answered_rate", "1", "2"},
		{"450109100000", "party_members", "42", "NULL"},
		{"450109100000", "satisfaction_rate", "10", "14"},
		{"450109100201", "council_answered_rate", "1", "1"},
		{"450109100201", "party_members", "30", "NULL"},
		{"450109100201", "satisfaction_rate", "6", "10"},
		{"450109100202", "council_answered_rate", "0", "1"},
		{"450109100202", "party_members", "12", "NULL"},
		{"450109100202", "satisfaction_rate", "4", "4"},
	}
	if d := cmp.Diff(want, table(t, w.DB(), figures)); d != "" {
		t.Errorf("figures with the changed definitions (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{
		{"19", "satisfaction_rate", "ratio", "0.9", "below", "false"},
		{"39", "party_members", "count", "NULL", "NULL", "true"},
		{"40", "council_answered_rate", "ratio", "0.5", "below", "false"},
	}, table(t, w.DB(), `SELECT ord, metric, kind, threshold, direction, headline FROM metric_catalog
		WHERE metric IN ('satisfaction_rate', 'party_members', 'council_answered_rate') ORDER BY ord`)); d != "" {
		t.Errorf("metric_catalog (-want +got):\n%s", d)
	}
	// Every changed figure is a figure of a changed metric, caused by the
	// definitions: satisfaction_rate where the denominator grew (龙象社区's
	// unrated request, and the units above it), and the new metrics.
	if d := cmp.Diff([][]string{
		{"council_answered_rate", "definitions", "true"},
		{"party_members", "definitions", "true"},
		{"satisfaction_rate", "definitions", "false"},
	}, table(t, w.DB(), `SELECT metric, cause, bool_and(old_numerator IS NULL) FROM metric_changes WHERE run_id = ? GROUP BY ALL ORDER BY ALL`, run)); d != "" {
		t.Errorf("metric_changes (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{{"2"}}, table(t, w.DB(), `SELECT count(DISTINCT flags_basis) FROM runs`)); d != "" {
		t.Errorf("flags_basis did not change with the definitions (-want +got):\n%s", d)
	}

	run = runAt(t, w, reg, at.Add(48*time.Hour), Settings{}, files...)
	if d := cmp.Diff([][]string{
		{"450109100201", "satisfaction_rate", "6", "9"},
	}, table(t, w.DB(), `SELECT unit_code, metric, numerator, denominator FROM metric_values WHERE period = '2021-03' AND unit_code = '450109100201' AND metric IN ('satisfaction_rate', 'party_members')`)); d != "" {
		t.Errorf("back to the built-in definitions (-want +got):\n%s", d)
	}
	if d := cmp.Diff([][]string{
		{"council_answered_rate", "definitions", "true"},
		{"party_members", "definitions", "true"},
		{"satisfaction_rate", "definitions", "false"},
	}, table(t, w.DB(), `SELECT metric, cause, bool_and(new_numerator IS NULL) FROM metric_changes WHERE run_id = ? GROUP BY ALL ORDER BY ALL`, run)); d != "" {
		t.Errorf("metric_changes back (-want +got):\n%s", d)
	}
}

// TestMetricStatements: the generated SQL computes an expression that
// several metrics share once, and gives a count a 0 denominator; a title
// with a quote is quoted.
func TestMetricStatements(t *testing.T) {
	all := metricStatements(definitions.DefaultMetrics())[0].sql
	requests := all[strings.Index(all, "-- source requests"):]
	if next := strings.Index(requests[1:], "-- source "); next >= 0 {
		requests = requests[:next+1]
	}
	// 9, as many as the hand-written SQL had: requests, 未受理, 已办结, the
	// two of ontime_rate, rated (rating_rate's numerator and
	// satisfaction_rate's denominator), satisfied, disputes, mediated.
	if n := strings.Count(requests, "coalesce(("); n != 9 {
		t.Errorf("%d aggregates, want 9:\n%s", n, requests)
	}
	if !strings.Contains(requests, "('requests_total', c.e1, 0)") {
		t.Errorf("requests_total is not a count of e1 with denominator 0:\n%s", requests)
	}
	ms := parseMetrics(t, "[[metric]]\nname = \"resolution_rate\"\ntitle = \"办结率 ('quoted')\"\n")
	catalog := catalogStatements(ms)[0].sql
	if !strings.Contains(catalog, "'办结率 (''quoted'')'") {
		t.Errorf("title not quoted:\n%s", catalog)
	}
}
