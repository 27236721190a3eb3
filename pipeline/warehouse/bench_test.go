package warehouse

import (
	"context"
	"database/sql/driver"
	"fmt"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"grassroots/pipeline/form"
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
