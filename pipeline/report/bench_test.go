package report

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"grassroots/pipeline/form"
	"grassroots/pipeline/registry"
	"grassroots/pipeline/warehouse"
	"grassroots/pipeline/warehouse/warehousetest"
)

// BenchmarkFeedback1000 writes 1,000 small feedback workbooks (5 issues
// each) the way Write does: built in parallel, each written atomically,
// into an empty folder (ms/first), then again over the same folder with
// nothing changed (ms/second), as the nightly run does.
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
	write := func(dir string) (Result, time.Duration) {
		start := time.Now()
		o := Options{OutDir: dir, Workers: runtime.GOMAXPROCS(0), Log: slog.New(slog.DiscardHandler)}
		st := &stager{root: dir}
		var res Result
		plan, err := writeFeedbackBooks(context.Background(), subs, o, readFeedbackDisk(o), st, &res, nil)
		if err == nil {
			err = st.commit()
		}
		if err == nil {
			err = plan.finish(&res)
		}
		if err != nil {
			b.Fatal(err)
		}
		return res, time.Since(start)
	}
	var first, second time.Duration
	cpu := cpuTime()
	for b.Loop() {
		dir := b.TempDir()
		res, d := write(dir)
		if len(res.Feedback) != len(subs) {
			b.Fatalf("first write: %d workbooks", len(res.Feedback))
		}
		first += d
		res, d = write(dir)
		if len(res.Feedback) != 0 || len(res.Unchanged) != len(subs) {
			b.Fatalf("second write: %d written, %d unchanged", len(res.Feedback), len(res.Unchanged))
		}
		second += d
	}
	b.ReportMetric(float64(first.Milliseconds())/float64(b.N), "ms/first")
	b.ReportMetric(float64(second.Microseconds())/1000/float64(b.N), "ms/second")
	reportCPU(b, cpu)
}

// largeWarehouse is a registry of 10,000 villages in 100 townships of 2
// districts, each with an accepted March form; every 7th form has a warning.
func largeWarehouse(b *testing.B) *warehouse.Warehouse {
	b.Helper()
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
	b.Cleanup(func() { w.Close() })
	var uploads []warehousetest.Upload
	for i, c := range codes {
		f := newForm(c, "2021-03", "张三", "13700001111")
		f.Requests = requests(fmt.Sprintf("R%d-", i), "2021-03", 10, 7+i%4, 6+i%3)
		f.Orgs = orgs(2, i%2)
		if i%7 == 0 {
			f.Issues = []form.Issue{{Sheet: "点单台账", Cell: "F9", Code: "bad_phone", Severity: form.SeverityWarning, Value: "1", Message: "x"}}
		}
		uploads = append(uploads, warehousetest.Upload{Path: fmt.Sprintf("inbox/%s.xlsx", c), SHA256: "sha" + c, Received: at("2021-04-03 10:00"), Form: f})
	}
	warehousetest.Load(b, w, r0, "inbox", runNow, uploads...)
	return w
}

// BenchmarkSummaryLarge: every workbook of the 10,000-village warehouse
// (summary, 100 townships, 1,429 feedback workbooks) written into an empty
// folder (ms/write), then again over the same folder with another run time
// as the nightly run does (ms/write2: nothing changed, so only the summary
// is written); wall and CPU time, averaged over the iterations.
func BenchmarkSummaryLarge(b *testing.B) {
	ctx := context.Background()
	w := largeWarehouse(b)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var first, second, firstCPU, secondCPU time.Duration
	for b.Loop() {
		out := b.TempDir()
		start, cpu := time.Now(), cpuTime()
		res, err := Write(ctx, w.DB(), Options{OutDir: out, Now: runNow, Log: log})
		if err != nil {
			b.Fatal(err)
		}
		first, firstCPU = first+time.Since(start), firstCPU+cpuTime()-cpu
		if len(res.Townships) != 100 || len(res.Feedback) != 1429 {
			b.Fatalf("first write: %d townships, %d feedback workbooks", len(res.Townships), len(res.Feedback))
		}
		start, cpu = time.Now(), cpuTime()
		res, err = Write(ctx, w.DB(), Options{OutDir: out, Now: runNow.Add(24 * time.Hour), Log: log})
		if err != nil {
			b.Fatal(err)
		}
		second, secondCPU = second+time.Since(start), secondCPU+cpuTime()-cpu
		if len(res.Townships) != 0 || len(res.TownshipsUnchanged) != 100 || len(res.Feedback) != 0 {
			b.Fatalf("second write: %d townships written, %d unchanged, %d feedback workbooks",
				len(res.Townships), len(res.TownshipsUnchanged), len(res.Feedback))
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(first.Milliseconds())/n, "ms/write")
	b.ReportMetric(float64(second.Milliseconds())/n, "ms/write2")
	b.ReportMetric(float64(firstCPU.Milliseconds())/n, "cpu-ms/write")
	b.ReportMetric(float64(secondCPU.Milliseconds())/n, "cpu-ms/write2")
}

// BenchmarkSummaryBooks: building the bytes of the 10,000-village summary
// and of township workbooks, from data loaded once.
func BenchmarkSummaryBooks(b *testing.B) {
	ctx := context.Background()
	w := largeWarehouse(b)
	d, err := loadSummaryData(ctx, w.DB(), "2021-03", slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	o := Options{Now: runNow}
	ids, err := bookStyles(true)
	if err != nil {
		b.Fatal(err)
	}
	// As writeSummaries does: the units' rows are made once for all the
	// workbooks.
	if err := d.prepareUnitRows(ctx, ids, runtime.GOMAXPROCS(0)); err != nil {
		b.Fatal(err)
	}
	build := func(sc scope) error {
		_, err := summaryBook(d, sc, summaryContent(d, sc, o, ids), ids)
		return err
	}
	top, towns := d.topUnit(), d.unitsAt("township")
	b.Run("summary", func(b *testing.B) {
		sc := scope{head: top, chartBy: "区（县）", chartUnits: d.unitsAt("district"), townships: towns, villages: d.villagesUnder("")}
		cpu := cpuTime()
		for b.Loop() {
			if err := build(sc); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu)
	})
	// A township of 100 villages, and one of 12 as in the nightly benchmark
	// of bench/ (10,000 villages in 833 townships): the whole workbook, and
	// only its digest, which is what an unchanged township costs.
	for _, n := range []int{100, 12} {
		vs := d.villagesUnder(towns[0].code)[:n]
		sc := scope{head: towns[0], chartBy: "村（社区）", chartUnits: vs, townships: towns[:1], villages: vs}
		b.Run(fmt.Sprintf("township-%d", n), func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				if err := build(sc); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
		b.Run(fmt.Sprintf("township-%d-digest", n), func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				if _, err := summaryDigest(d, sc, summaryContent(d, sc, o, ids)); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// cpuTime is the process's user and system CPU time so far: on a shared
// machine it varies less than the wall-clock time of a benchmark.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per iteration since start (a cpuTime).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}
