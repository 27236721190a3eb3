// Package parallel runs the pipeline's independent pieces of work (the
// workbooks of a report, the sub-folders of an inbox) on a few goroutines.
package parallel

import (
	"context"
	"sync"
)

// Each runs fn(0..n-1) on up to workers goroutines and returns the first
// error; after an error or a cancelled ctx no new call starts.
func Each(ctx context.Context, workers, n int, fn func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					cancel(err)
				}
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}
