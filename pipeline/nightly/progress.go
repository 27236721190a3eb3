package nightly

import (
	"fmt"
	"io"
	"time"
)

// progress draws "reading forms 1234/10000 (12%)" on one terminal line, at
// most ten times a second. With a nil writer (cron) it does nothing.
type progress struct {
	w     io.Writer
	total int
	last  time.Time
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total}
}

func (p *progress) update(n int) {
	if p.w == nil || p.total == 0 || (n < p.total && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\rreading forms %d/%d (%d%%)", n, p.total, n*100/p.total)
}

func (p *progress) done() {
	if p.w != nil && p.total > 0 {
		fmt.Fprintln(p.w)
	}
}
