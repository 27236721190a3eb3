package inbox

import (
	"log/slog"
	"os"
	"testing"
	"time"
)

// BenchmarkScan lists GRASSROOTS_BENCH_INBOX (make bench's 12-month inbox,
// say); skipped without it.
func BenchmarkScan(b *testing.B) {
	dir := os.Getenv("GRASSROOTS_BENCH_INBOX")
	if dir == "" {
		b.Skip("GRASSROOTS_BENCH_INBOX not set")
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	for b.Loop() {
		files, err := Scan(dir, loc, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(files)), "files")
	}
}
