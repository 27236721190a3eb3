package warehouse

import (
	"cmp"
	"context"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
)

// benchForms makes n forms of 200 requests and 30 organization rows each.
func benchForms(n int) []*form.Form {
	out := make([]*form.Form, n)
	for i := range out {
		f := newForm(fmt.Sprintf("4501092%05d", i), "2021-03")
		f.Requests = requests(fmt.Sprintf("F%d-", i), "2021-03", 200, 150, 20)
		for j := range 30 {
			f.Orgs = append(f.Orgs, form.OrgRow{Row: j + 3, Name: "小区", Type: form.UnitResidential, HasOrg: j%3 > 0, HowFormed: form.FormedStandalone, OrgName: fmt.Sprintf("支部%d", j)})
		}
		out[i] = f
	}
	return out
}

// BenchmarkLoad measures loading 1,000 forms (200k request rows) through the
// Arrow view path, without the refresh.
func BenchmarkLoad(b *testing.B) {
	forms := benchForms(1000)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		w := openTempB(b)
		r, err := w.Begin(ctx, "inbox", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i, f := range forms {
			if err := r.AddForm(ctx, fmt.Sprint(i), f); err != nil {
				b.Fatal(err)
			}
		}
		for _, bt := range []*batch{r.forms, r.issues, r.orgs, r.meetings, r.requests} {
			if err := bt.flush(ctx, r.conn, r.ar, "arrow_"+bt.table); err != nil {
				b.Fatal(err)
			}
		}
		if err := r.Commit(ctx, time.Now()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		w.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "forms/s")
}

// BenchmarkLoadAppender is the same load of request rows through the
// driver's Appender, to compare with BenchmarkLoad's Arrow path.
func BenchmarkLoadAppender(b *testing.B) {
	forms := benchForms(1000)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		w := openTempB(b)
		r, err := w.Begin(ctx, "inbox", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		err = r.conn.Raw(func(dc any) error {
			app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", "request_rows")
			if err != nil {
				return err
			}
			for i, f := range forms {
				sha := fmt.Sprint(i)
				for _, q := range f.Requests {
					var resolved, dispute driver.Value
					if !q.ResolvedOn.IsZero() {
						resolved = q.ResolvedOn
					}
					if q.Dispute.Valid {
						dispute = q.Dispute.V
					}
					if err := app.AppendRow(sha, int32(q.Row), q.ID, q.RequestedOn, q.RequestedOnCell, nil, nil, nil, nil,
						nil, nil, nil, resolved, q.State, dispute, q.Mediation, q.Rating); err != nil {
						return err
					}
				}
			}
			return app.Close()
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Commit(ctx, time.Now()); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		w.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "forms/s")
}

// BenchmarkRefresh measures recomputing every derived table and metric for
// 1,000 loaded forms.
func BenchmarkRefresh(b *testing.B) {
	forms := benchForms(1000)
	ctx := context.Background()
	w := openTempB(b)
	csv := "code,name,level,parent_code\n450100000000,市,city,\n450109100000,镇,township,450100000000\n"
	for i := range forms {
		csv += fmt.Sprintf("4501092%05d,村%d,village,450109100000\n", i, i)
	}
	reg := mustRegistryB(b, csv)
	r, err := w.Begin(ctx, "inbox", time.Now())
	if err != nil {
		b.Fatal(err)
	}
	for i, f := range forms {
		r.AddFile(ctx, File{Path: fmt.Sprint(i), SHA256: fmt.Sprint(i), MTime: time.Now(), ReceivedAt: time.Now()})
		r.AddForm(ctx, fmt.Sprint(i), f)
	}
	if err := r.Refresh(ctx, reg, Settings{}); err != nil {
		b.Fatal(err)
	}
	r.Commit(ctx, time.Now())
	for b.Loop() {
		r, err := w.Begin(ctx, "inbox", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Refresh(ctx, reg, Settings{}); err != nil {
			b.Fatal(err)
		}
		if err := r.Commit(ctx, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// stepTimes is a slog handler that adds up the refresh steps' debug lines:
// step name → elapsed milliseconds.
type stepTimes struct {
	mu sync.Mutex
	ms map[string]int64
}

func (h *stepTimes) Enabled(context.Context, slog.Level) bool { return true }
func (h *stepTimes) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *stepTimes) WithGroup(string) slog.Handler            { return h }
func (h *stepTimes) Handle(_ context.Context, r slog.Record) error {
	var step string
	var ms int64
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "step":
			step = a.Value.String()
		case "elapsed_ms":
			ms = a.Value.Int64()
		}
		return true
	})
	if step != "" {
		h.mu.Lock()
		h.ms[step] += ms
		h.mu.Unlock()
	}
	return nil
}

// trustSteps are the refresh steps of metric_flags and metric_changes.
var trustSteps = []string{"prev_units", "prev_unit_tree", "prev_today", "prev_metric_values",
	"refresh_changed_groups", "refresh_metric_changes", "refresh_flag_scope",
	"refresh_metric_flags_delete", "refresh_metric_flags_insert", "drop_prev_metric_values"}

// BenchmarkRefreshTrust measures the refresh of a city of 10,000 villages
// (10 districts of 10 townships of 100), with 1 or 12 months of forms of
// about 20 requests, and reports each step of metric_flags and
// metric_changes (trustSteps) beside rollup_metric_values and all steps, in
// ms per night. A night is a run in which 1% of the villages send a
// corrected form for the newest month and 1% one for the month before it
// (restatements). It also logs the same for the run that brought the
// newest month in (every unit's figures new: every flag recomputed).
//
// 256MB of memory (the default until it became 512MB) is enough for
// 10,000 villages × 12 months
// since the hierarchy through time (rollup_metric_values.sql sorts nothing,
// refresh_requests_insert.sql works in parts; before, 4 months failed):
// GRASSROOTS_BENCH_MEMORY sets another limit. 12 months are built only with
// GRASSROOTS_BENCH_HISTORY=1 (three to four minutes).
// GRASSROOTS_BENCH_REQUESTS sets the requests a form (15, plus 0 to 10).
// GRASSROOTS_BENCH_KEEP=FILE keeps the built warehouse for the next time.
// GRASSROOTS_BENCH_CHANGES=P gives the registry the hierarchy through time:
// P percent of the villages merged into the next village or moved to the
// next township (half each), spread over the months after the first (from
// the first month with one month); a merged village sends no form from its
// merge on.
func BenchmarkRefreshTrust(b *testing.B) {
	for _, months := range []int{1, 12} {
		b.Run(fmt.Sprintf("villages=10000/months=%d", months), func(b *testing.B) {
			if months > 1 && os.Getenv("GRASSROOTS_BENCH_HISTORY") != "1" {
				b.Skip("set GRASSROOTS_BENCH_HISTORY=1 to build 12 months of 10,000 villages")
			}
			benchRefreshTrust(b, 10000, months)
		})
	}
}

func benchRefreshTrust(b *testing.B, villages, months int) {
	ctx := context.Background()
	perForm := 15 // requests a form, plus 0 to 10
	if n, err := strconv.Atoi(os.Getenv("GRASSROOTS_BENCH_REQUESTS")); err == nil {
		perForm = n
	}
	limit := os.Getenv("GRASSROOTS_BENCH_MEMORY")
	times := &stepTimes{ms: map[string]int64{}}
	path := filepath.Join(b.TempDir(), "w.duckdb")
	// GRASSROOTS_BENCH_KEEP=FILE keeps the built warehouse in FILE, and
	// starts from a copy of it when it exists (the same villages, months
	// and changes): the nights alone, without minutes of building.
	keep := os.Getenv("GRASSROOTS_BENCH_KEEP")
	built := false
	if keep != "" {
		if data, err := os.ReadFile(keep); err == nil {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				b.Fatal(err)
			}
			built = true
		}
	}
	w, err := OpenWith(ctx, path, slog.New(times), Options{MemoryLimit: limit})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { w.Close() }()
	churn, _ := strconv.Atoi(os.Getenv("GRASSROOTS_BENCH_CHANGES"))
	village := func(v int) string { return fmt.Sprintf("4501%02d%03d%03d", v/1000+1, v/100%10+1, v%100+1) }
	period := func(m int) string { return day("2021-01-01").AddDate(0, m, 0).Format("2006-01") }
	reg, active := benchRegistry(b, villages, months, churn, village, period)
	type up struct {
		path string
		f    *form.Form
	}
	form1 := func(v, m, night int) up {
		p := period(m)
		f := newForm(village(v), p)
		n := perForm + (v*7+m*3+night)%11
		f.Requests = requests(fmt.Sprintf("V%d-%s-", v, p), p, n, n*3/4, n/8)
		for j := range 5 {
			f.Orgs = append(f.Orgs, form.OrgRow{Row: j + 3, Name: "小区", Type: form.UnitResidential, HasOrg: j%3 > 0, HowFormed: form.FormedStandalone, OrgName: fmt.Sprintf("支部%d", j)})
		}
		return up{fmt.Sprintf("n%d/%s/%d.xlsx", night, p, v), f}
	}
	at := day("2021-01-01").AddDate(0, months, 10)
	load := func(ups []up) {
		r, err := w.Begin(ctx, "inbox", at)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Rollback()
		for _, u := range ups {
			sha := "sha-" + u.path
			if err := r.AddFile(ctx, File{Path: u.path, SHA256: sha, Size: 1, MTime: at, ReceivedAt: at}); err != nil {
				b.Fatal(err)
			}
			if err := r.AddForm(ctx, sha, u.f); err != nil {
				b.Fatal(err)
			}
		}
		if err := r.Refresh(ctx, reg, Settings{}); err != nil {
			b.Fatal(err)
		}
		if err := r.Commit(ctx, at); err != nil {
			b.Fatal(err)
		}
	}
	report := func(n int) []string {
		var out []string
		var total int64
		for _, ms := range times.ms {
			total += ms
		}
		for _, step := range append(slices.Clone(trustSteps), "rollup_metric_values") {
			out = append(out, fmt.Sprintf("%s %.0f", step, float64(times.ms[step])/float64(n)))
		}
		return append(out, fmt.Sprintf("all steps %.0f", float64(total)/float64(n)))
	}
	start := time.Now()
	for m := range months {
		if built {
			break
		}
		var ups []up
		for v := range villages {
			if active(v, m) {
				ups = append(ups, form1(v, m, 0))
			}
		}
		clear(times.ms)
		load(ups)
	}
	if !built {
		b.Logf("built %d villages × %d months in %s; the run that brought %s in, ms: %s",
			villages, months, time.Since(start).Round(time.Second), period(months-1), strings.Join(report(1), ", "))
	}
	if keep != "" && !built {
		w.Close()
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(keep, data, 0o644); err != nil {
			b.Fatal(err)
		}
		if w, err = OpenWith(ctx, path, slog.New(times), Options{MemoryLimit: limit}); err != nil {
			b.Fatal(err)
		}
	}

	if built {
		// A kept warehouse may come from other SQL: one night with nothing
		// new brings it to this one's (every figure recomputed), untimed.
		load(nil)
	}
	newest, night := months-1, 0
	clear(times.ms)
	for b.Loop() {
		night++
		var ups []up
		for i := range villages / 100 {
			v := (night*997 + i*101) % villages
			for !active(v, newest) {
				v = (v + 1) % villages
			}
			ups = append(ups, form1(v, newest, night))
			if newest > 0 && active(v, newest-1) {
				ups = append(ups, form1(v, newest-1, night))
			}
		}
		load(ups)
	}
	for _, step := range append(slices.Clone(trustSteps), "rollup_metric_values") {
		b.ReportMetric(float64(times.ms[step])/float64(night), "ms/"+step)
	}
	var total int64
	for _, ms := range times.ms {
		total += ms
	}
	b.ReportMetric(float64(total)/float64(night), "ms/all-steps")
	b.Logf("every step, ms per night: %s", slowest(times.ms, night))
	var values, changes int
	w.DB().QueryRow(`SELECT count(*) FROM metric_values`).Scan(&values)
	w.DB().QueryRow(`SELECT count(*) FROM metric_changes`).Scan(&changes)
	b.Logf("metric_values %d rows; metric_changes %d rows after %d nights; metric_flags %v", values, changes, night,
		table(b, w.DB(), `SELECT flag, count(*) FROM metric_flags GROUP BY flag ORDER BY flag`))
}

// benchRegistry is the city of benchRefreshTrust: 10 districts of 10
// townships, the villages spread over them. With changes percent, every
// (100/changes)-th village from the first is merged into the next village,
// and every one half-way between moves to the next township (100 townships
// on: the township of village v+100), each from a month after the first
// (spread over them; the first with one month). active reports whether a
// village sends a form in a month (a merged one does not after its merge).
func benchRegistry(b testing.TB, villages, months, changes int, village func(int) string, period func(int) string) (*registry.Registry, func(v, m int) bool) {
	var csv strings.Builder
	ext := ""
	if changes > 0 {
		csv.WriteString("code,name,level,parent_code,valid_from,valid_to,successor_code\n450100000000,市,city,,,,\n")
		ext = ",,,"
	} else {
		csv.WriteString("code,name,level,parent_code\n450100000000,市,city,\n")
	}
	for d := range 10 {
		fmt.Fprintf(&csv, "4501%02d000000,区%d,district,450100000000%s\n", d+1, d, ext)
		for t := range 10 {
			fmt.Fprintf(&csv, "4501%02d%03d000,镇%d,township,4501%02d000000%s\n", d+1, t+1, d*10+t, d+1, ext)
		}
	}
	every := 0
	if changes > 0 {
		every = max(2, 100/changes)
	}
	changeAt := func(v int) int {
		if months < 2 {
			return 0
		}
		return 1 + (v/every)%(months-1)
	}
	mergedAt := map[int]int{}
	for v := range villages {
		parent := village(v)[:9] + "000"
		switch {
		case every > 0 && v%every == 0 && v+1 < villages:
			at := changeAt(v)
			mergedAt[v] = at
			fmt.Fprintf(&csv, "%s,村%d,village,%s,,%s,%s\n", village(v), v, parent, period(at-1), village(v+1))
		case every > 0 && v%every == every/2:
			at := changeAt(v)
			fmt.Fprintf(&csv, "%s,村%d,village,%s,,%s,\n", village(v), v, parent, period(at-1))
			fmt.Fprintf(&csv, "%s,村%d,village,%s,%s,,\n", village(v), v, village((v + 100) % villages)[:9]+"000", period(at))
		default:
			fmt.Fprintf(&csv, "%s,村%d,village,%s%s\n", village(v), v, parent, ext)
		}
	}
	return mustRegistryB(b, csv.String()), func(v, m int) bool {
		at, ok := mergedAt[v]
		return !ok || m < at
	}
}

// slowest lists the steps of ms, slowest first, in ms per night.
func slowest(ms map[string]int64, nights int) string {
	steps := slices.Collect(maps.Keys(ms))
	slices.SortFunc(steps, func(a, b string) int { return cmp.Compare(ms[b], ms[a]) })
	var out []string
	for _, step := range steps {
		out = append(out, fmt.Sprintf("%s %.0f", step, float64(ms[step])/float64(nights)))
	}
	return strings.Join(out, ", ")
}
