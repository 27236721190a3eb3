package torture

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

// full is set by `make torture`: the slowest, largest variants run only then.
var full = os.Getenv("GRASSROOTS_TORTURE") == "full"

// Bounds every hostile case must stay within, generous enough for a slow CI
// machine and tight enough that a reader holding a bomb in memory fails.
const (
	maxCaseTime = 10 * time.Second
	// maxRSS bounds the peak resident set of the command's process over the
	// whole run, workbooks included: the binary and the Go runtime, the
	// reader's buffers (its limits keep them to tens of MB), DuckDB's buffer
	// pool (--memory-limit, 512 MB by default, beyond which it spills to
	// disk) and the workbooks being written. A run with one hostile file
	// peaks near 100 MB (240 MB for the largest), all of them at once near
	// 400 MB with two workers; a stage that inflated a bomb (the annotated
	// copy made with excelize peaked at 6.7 GiB) is far over it.
	maxRSS = 512 << 20
)

// usage is what one run cost.
type usage struct {
	elapsed time.Duration
	heap    uint64 // peak Go heap (live and unswept objects), sampled every 2 ms; in-process runs only
	rss     uint64 // peak resident set of the command's process; 0 if unknown
	stages  string // the command's own "time:" line (scan, read, metrics, workbooks)
}

func (u usage) String() string {
	s := u.elapsed.Round(time.Millisecond).String()
	if u.rss > 0 {
		s += ", rss " + mb(u.rss)
	}
	if u.heap > 0 {
		s += ", heap " + mb(u.heap)
	}
	if u.stages != "" {
		s += " (" + u.stages + ")"
	}
	return s
}

func mb(n uint64) string { return strconv.FormatUint(n>>20, 10) + " MB" }

// measure runs fn in this process and reports its time and peak Go heap.
func measure(fn func()) usage {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			mu.Lock()
			peak = max(peak, sample[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	fn()
	u := usage{elapsed: time.Since(start)}
	close(stop)
	<-done
	u.heap = peak
	return u
}
