package warehouse

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"grassroots/pipeline/form"
)

// TestCurrentFromKeptParts: metric_values_current's recomputed figures,
// which rollup_metric_values_current.sql sums from the parts of today's
// tree that did not change (their figures and kept histograms of the
// month) and the facts that land on a changed part, are those of summing
// every fact and histogram row of the month again up today's tree
// (testdata/current_every_fact.sql, the statement before). On a registry
// where villages merge, move to another township or are founded (and move
// after), and a township moves to another district, with days to resolve that differ (so
// that the medians tell the histograms apart); on the first run and on a
// night that corrects one village's form (the kept histograms then come
// from the first run), whose figures in both views are then a fresh
// load's.
func TestCurrentFromKeptParts(t *testing.T) {
	ctx := context.Background()
	period := func(m int) string { return fmt.Sprintf("2021-%02d", m+1) }
	village := func(tw, v int) string { return fmt.Sprintf("4501%02d%03d%03d", tw/3+1, tw%3+1, v+1) }
	var csv strings.Builder
	csv.WriteString("code,name,level,parent_code,valid_from,valid_to,successor_code\n450100000000,市,city,,,,\n")
	for d := range 2 {
		fmt.Fprintf(&csv, "4501%02d000000,区%d,district,450100000000,,,\n", d+1, d)
	}
	township := func(tw int) string { return fmt.Sprintf("4501%02d%03d000", tw/3+1, tw%3+1) }
	for tw := range 6 {
		switch tw {
		case 5: // moves to the other district from April
			fmt.Fprintf(&csv, "%s,镇%d,township,450102000000,,%s,\n", township(tw), tw, period(2))
			fmt.Fprintf(&csv, "%s,镇%d,township,450101000000,%s,,\n", township(tw), tw, period(3))
		default:
			fmt.Fprintf(&csv, "%s,镇%d,township,4501%02d000000,,,\n", township(tw), tw, tw/3+1)
		}
	}
	type active struct{ from, to int } // months a village sends forms in
	villages := map[string]active{}
	for tw := range 6 {
		for v := range 6 {
			code := village(tw, v)
			switch {
			case tw == 0 && v == 0: // merged into the next village from March
				fmt.Fprintf(&csv, "%s,村,village,%s,,%s,%s\n", code, township(tw), period(1), village(tw, 1))
				villages[code] = active{0, 1}
			case tw == 1 && v == 2: // moves to township 4 (the other district) from March
				fmt.Fprintf(&csv, "%s,村,village,%s,,%s,\n", code, township(tw), period(1))
				fmt.Fprintf(&csv, "%s,村,village,%s,%s,,\n", code, township(4), period(2))
				villages[code] = active{0, 3}
			case tw == 2 && v == 5: // founded in February (its first form lists January's requests too), moves from March
				fmt.Fprintf(&csv, "%s,村,village,%s,%s,%s,\n", code, township(tw), period(1), period(1))
				fmt.Fprintf(&csv, "%s,村,village,%s,%s,,\n", code, township(3), period(2))
				villages[code] = active{1, 3}
			default:
				fmt.Fprintf(&csv, "%s,村,village,%s,,,\n", code, township(tw))
				villages[code] = active{0, 3}
			}
		}
	}
	reg := mustRegistry(t, csv.String())

	formOf := func(code string, m, night int) *form.Form {
		f := newForm(code, period(m))
		seed := int(code[len(code)-3]-'0')*7 + int(code[len(code)-1]-'0')*3 + m + night
		n := 4 + seed%6
		f.Requests = requests(code+period(m)+"-", period(m), n, n-1, 1)
		if villages[code].from == m && m > 0 {
			f.Requests = append(f.Requests, requests(code+period(m-1)+"-", period(m-1), 3, 2, 0)...)
		}
		for i := range f.Requests {
			q := &f.Requests[i]
			q.Row = i + 2
			if q.State == form.StateResolved {
				q.ResolvedOn = q.RequestedOn.AddDate(0, 0, (seed+i*5)%11)
			}
		}
		return f
	}
	var first []upload
	for code, a := range villages {
		for m := a.from; m <= a.to; m++ {
			first = append(first, upload{path: fmt.Sprintf("%s/%s.xlsx", period(m), code), received: received(period(m+1) + "-03 09:00"), form: formOf(code, m, 0)})
		}
	}
	corrected := upload{path: fmt.Sprintf("%s/%s 更正.xlsx", period(1), village(3, 4)), received: received("2021-05-06 09:00"),
		form: formOf(village(3, 4), 1, 1)}

	w := openTemp(t)
	oracle, err := os.ReadFile("testdata/current_every_fact.sql")
	if err != nil {
		t.Fatal(err)
	}
	for night, files := range [][]upload{first, {corrected}} {
		at := received(fmt.Sprintf("2021-05-%02d 02:00", 10+night))
		r, err := w.Begin(ctx, "inbox", at)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			sha := "sha-" + f.path
			if err := r.AddFile(ctx, File{Path: f.path, SHA256: sha, Size: 1, MTime: f.received, ReceivedAt: f.received}); err != nil {
				t.Fatal(err)
			}
			if err := r.AddForm(ctx, sha, f.form); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Refresh(ctx, reg, Settings{}); err != nil {
			t.Fatal(err)
		}
		// On the run's connection: its temporary tables are still there.
		q := func(sql string) [][]string {
			t.Helper()
			rows, err := r.conn.QueryContext(ctx, sql)
			if err != nil {
				t.Fatal(err)
			}
			return scanTable(t, rows)
		}
		cols := `period, unit_code, unit_name, level, metric, round(numerator, 9), round(denominator, 9), round(value, 9)`
		every := strings.TrimSuffix(strings.TrimSpace(string(oracle)), ";")
		want := q(`SELECT ` + cols + ` FROM (` + every + `) ORDER BY ALL`)
		got := q(`SELECT ` + cols + ` FROM metric_values_current_t WHERE period IN (SELECT period FROM current_periods) ORDER BY ALL`)
		if len(want) < 100 {
			t.Fatalf("night %d: %d figures recomputed along today's hierarchy, want 100 or more", night, len(want))
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("night %d: metric_values_current (-every fact +kept parts):\n%s", night, d)
		}
		var medians int
		for _, row := range got {
			if row[4] == "days_to_resolve_median" && row[7] != "NULL" && row[3] != "village" {
				medians++
			}
		}
		if medians == 0 {
			t.Errorf("night %d: no median above the villages recomputed", night)
		}
		if err := r.Commit(ctx, at); err != nil {
			t.Fatal(err)
		}
	}
	// And the night's figures of each month's hierarchy, summed from the
	// kept parts too (rollup_metric_values.sql), are a fresh load's.
	fresh := openTemp(t)
	runAt(t, fresh, reg, received("2021-05-11 02:00"), Settings{}, append(first, corrected)...)
	for _, q := range []string{
		`SELECT * FROM metric_values ORDER BY ALL`,
		`SELECT * FROM metric_values_current ORDER BY ALL`,
		`SELECT * FROM request_days_up ORDER BY ALL`,
	} {
		if d := cmp.Diff(table(t, fresh.DB(), q), table(t, w.DB(), q)); d != "" {
			t.Errorf("%s (-fresh +after the night):\n%s", q, d)
		}
	}
}
