package report

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
	"grassroots/pipeline/warehouse"
)

// BenchmarkFeedback1000 writes 1,000 small feedback workbooks (5 issues
// each) the way Write does: built in parallel, each written atomically.
func BenchmarkFeedback1000(b *testing.B) {
	subs := make([]*Submission, 1000)
	for i := range subs {
		s := &Submission{Path: fmt.Sprintf("镇/村%d.xlsx", i), SHA256: fmt.Sprintf("%064x", i),
			Unit: fmt.Sprintf("4501091%05d", i), Period: "2021-03", Status: "accepted"}
		for j := range 5 {
			s.Issues = append(s.Issues, Issue{Sheet: "点单台账", Cell: fmt.Sprintf("F%d", 10-j), Code: "bad_phone",
				Severity: "warning", Value: "1381234567", Message: "联系电话“1381234567”少一位，请改为13812345678这样的号码"})
		}
		subs[i] = s
	}
	for b.Loop() {
		dir := b.TempDir()
		start := time.Now()
		st := &stager{}
		err := parallel(context.Background(), runtime.GOMAXPROCS(0), len(subs), func(i int) error {
			data, err := FeedbackBook(subs[i])
			if err != nil {
				return err
			}
			return st.write(filepath.Join(dir, FeedbackName(subs[i])), data)
		})
		built := time.Since(start)
		if err == nil {
			err = st.commit()
		}
		b.ReportMetric(float64(built.Milliseconds()), "ms/build+write")
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/1000books")
	}
}

// BenchmarkSummaryLarge: the summary and township workbooks of a registry
// of 10,000 villages in 100 townships, each with an accepted form.
func BenchmarkSummaryLarge(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	var reg strings.Builder
	reg.WriteString("code,name,level,parent_code\n450100000000,南宁市,city,\n")
	var codes []string
	for d := range 2 {
		dc := fmt.Sprintf("4501%02d000000", d+1)
		fmt.Fprintf(&reg, "%s,区%d,district,450100000000\n", dc, d)
		for t := range 50 {
			tc := fmt.Sprintf("4501%02d%03d000", d+1, t+100)
			fmt.Fprintf(&reg, "%s,镇%d-%d,township,%s\n", tc, d, t, dc)
			for v := range 100 {
				vc := fmt.Sprintf("4501%02d%03d%03d", d+1, t+100, v+200)
				fmt.Fprintf(&reg, "%s,村%d-%d-%d,village,%s\n", vc, d, t, v, tc)
				codes = append(codes, vc)
			}
		}
	}
	r0, err := registry.Parse(strings.NewReader(reg.String()), "registry.csv")
	if err != nil {
		b.Fatal(err)
	}
	w, err := warehouse.Open(ctx, filepath.Join(dir, "w.duckdb"), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	run, err := w.Begin(ctx, "inbox", runNow)
	if err != nil {
		b.Fatal(err)
	}
	for i, c := range codes {
		f := newForm(c, "2021-03", "张三", "13700001111")
		f.Requests = requests(fmt.Sprintf("R%d-", i), "2021-03", 10, 7+i%4, 6+i%3)
		f.Orgs = orgs(2, i%2)
		if i%7 == 0 {
			f.Issues = []form.Issue{{Sheet: "点单台账", Cell: "F9", Code: "bad_phone", Severity: form.SeverityWarning, Value: "1", Message: "x"}}
		}
		p := fmt.Sprintf("inbox/%s.xlsx", c)
		if err := run.AddFile(ctx, warehouse.File{Path: p, SHA256: "sha" + c, Size: 1, MTime: runNow, ReceivedAt: at("2021-04-03 10:00")}); err != nil {
			b.Fatal(err)
		}
		if err := run.AddForm(ctx, "sha"+c, f); err != nil {
			b.Fatal(err)
		}
	}
	if err := run.Refresh(ctx, r0, warehouse.Settings{}); err != nil {
		b.Fatal(err)
	}
	if err := run.Commit(ctx, runNow); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		start := time.Now()
		res, err := Write(ctx, w.DB(), Options{OutDir: b.TempDir(), Now: runNow, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/write")
		b.ReportMetric(float64(len(res.Townships)), "townships")
		b.ReportMetric(float64(len(res.Feedback)), "feedback")
	}
}
