// Package bench holds the province-scale benchmark: bench/run.sh (make bench)
// generates the inboxes, times bin/grassroots against its peers and writes
// bench/results.{md,json}; the benchmarks here give the CPU profiles of the
// same runs.
package bench

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"grassroots/pipeline/nightly"
)

// BenchmarkFullLoad is `grassroots run` on an empty warehouse: every form of
// $GRASSROOTS_BENCH_FIXTURES/inbox read and loaded, every metric computed,
// every workbook written, as the CLI does. It is skipped unless that
// variable names a fixtures folder (bench/run.sh sets it):
//
//	GRASSROOTS_BENCH_FIXTURES=$PWD/.cache/bench/fixtures/<key> \
//	  go test -tags=duckdb_arrow -run='^$' -bench=FullLoad -benchtime=1x -cpuprofile cpu.prof ./bench
func BenchmarkFullLoad(b *testing.B) {
	dir := fixturesDir(b)
	benchRun(b, filepath.Join(dir, "inbox"), filepath.Join(dir, "registry.csv"), "", "")
}

// BenchmarkNightly is the nightly case: a copy of the loaded warehouse
// $GRASSROOTS_BENCH_NIGHTLY_DB and the inbox $GRASSROOTS_BENCH_NIGHTLY_INBOX
// in which 1% of the forms changed or were added (bench/run.sh makes both),
// with a copy of last night's output folder $GRASSROOTS_BENCH_NIGHTLY_OUT
// whose manifests let unchanged workbooks be skipped.
func BenchmarkNightly(b *testing.B) {
	dir := fixturesDir(b)
	db, inboxDir := os.Getenv("GRASSROOTS_BENCH_NIGHTLY_DB"), os.Getenv("GRASSROOTS_BENCH_NIGHTLY_INBOX")
	if db == "" || inboxDir == "" {
		b.Skip("GRASSROOTS_BENCH_NIGHTLY_DB and GRASSROOTS_BENCH_NIGHTLY_INBOX not set (bench/run.sh sets them)")
	}
	benchRun(b, inboxDir, filepath.Join(dir, "registry.csv"), db, os.Getenv("GRASSROOTS_BENCH_NIGHTLY_OUT"))
}

func fixturesDir(b *testing.B) string {
	dir := os.Getenv("GRASSROOTS_BENCH_FIXTURES")
	if dir == "" {
		b.Skip("GRASSROOTS_BENCH_FIXTURES not set (bench/run.sh sets it)")
	}
	if _, err := os.Stat(filepath.Join(dir, "inbox")); err != nil {
		b.Skipf("no inbox: %v", err)
	}
	return dir
}

// benchRun runs the batch on inboxDir once per iteration, each time on a
// fresh copy of baseDB ("" for an empty warehouse) and of baseOut ("" for an
// empty output folder), and reports forms/s, the
// stage times, the Go runtime's peak memory and the process's peak RSS.
func benchRun(b *testing.B, inboxDir, registry, baseDB, baseOut string) {
	log := slog.New(slog.DiscardHandler)
	peak := sampleGoMemory()
	var forms, rows int
	var read, refresh, reports time.Duration
	for b.Loop() {
		b.StopTimer()
		tmp := b.TempDir()
		db := filepath.Join(tmp, "w.duckdb")
		if baseDB != "" {
			copyFile(b, baseDB, db)
			if _, err := os.Stat(baseDB + ".wal"); err == nil {
				copyFile(b, baseDB+".wal", db+".wal")
			}
		}
		out := filepath.Join(tmp, "out")
		if baseOut != "" {
			if err := os.CopyFS(out, os.DirFS(baseOut)); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		s, err := nightly.Run(context.Background(), nightly.Config{
			Inbox: inboxDir, Registry: registry, DB: db, Out: out, Log: log,
		})
		if err != nil {
			b.Fatal(err)
		}
		if s.FormsRead == 0 {
			b.Fatal("no form read")
		}
		forms += s.FormsRead
		rows += s.RowsLoaded
		read += s.Read
		refresh += s.Refresh
		reports += s.Reports
	}
	sec := b.Elapsed().Seconds()
	n := float64(b.N)
	b.ReportMetric(float64(forms)/sec, "forms/s")
	b.ReportMetric(float64(rows)/sec, "rows/s")
	b.ReportMetric(read.Seconds()/n, "read-s/op")
	b.ReportMetric(refresh.Seconds()/n, "metrics-s/op")
	b.ReportMetric(reports.Seconds()/n, "workbooks-s/op")
	b.ReportMetric(float64(peak())/(1<<20), "go-peak-MiB")
	if hwm := peakRSS(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "process-peak-RSS-MiB")
	}
}

// sampleGoMemory polls the memory the Go runtime holds from the OS (mapped
// minus released) every 10 ms; the returned func stops it and gives the peak.
// The rest of the process's RSS is DuckDB's (and cgo's) memory.
func sampleGoMemory() func() uint64 {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(samples)
			v := samples[0].Value.Uint64() - samples[1].Value.Uint64()
			mu.Lock()
			peak = max(peak, v)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// peakRSS is the process's high-water mark of resident memory (VmHWM), 0 where
// /proc is missing.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func copyFile(b *testing.B, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}
