package torture

import (
	"bufio"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// full is set by `make torture`: the slowest, largest variants run only then.
var full = os.Getenv("GRASSROOTS_TORTURE") == "full"

// Bounds every hostile case must stay within, generous enough for a slow CI
// machine and tight enough that a reader holding a bomb in memory fails.
const (
	maxCaseTime = 10 * time.Second
	maxHeap     = 500 << 20
)

// usage is what one case cost.
type usage struct {
	elapsed time.Duration
	heap    uint64 // peak Go heap (live and unswept objects), sampled every 2 ms
	rss     uint64 // peak resident set of the test process (VmHWM, reset before the case); 0 if unknown
}

func (u usage) String() string {
	s := u.elapsed.Round(time.Millisecond).String() + ", heap " + mb(u.heap)
	if u.rss > 0 {
		s += ", rss " + mb(u.rss)
	}
	return s
}

func mb(n uint64) string { return strconv.FormatUint(n>>20, 10) + " MB" }

// measure runs fn and reports its time, peak Go heap and peak RSS.
func measure(fn func()) usage {
	runtime.GC()
	resetPeakRSS()
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
	u.rss = peakRSS()
	return u
}

// resetPeakRSS resets the kernel's high-water mark of this process's
// resident set (Linux: clear_refs 5); elsewhere the peak is not reported.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
