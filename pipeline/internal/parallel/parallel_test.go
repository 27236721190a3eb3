package parallel

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestEach(t *testing.T) {
	var sum atomic.Int64
	if err := Each(context.Background(), 3, 100, func(i int) error { sum.Add(int64(i)); return nil }); err != nil {
		t.Fatal(err)
	}
	if sum.Load() != 4950 {
		t.Errorf("sum of 0..99 = %d, want 4950: every index once", sum.Load())
	}
	// After an error, no new call starts: with one worker, none after it.
	boom := errors.New("boom")
	var calls atomic.Int64
	err := Each(context.Background(), 1, 100, func(i int) error {
		calls.Add(1)
		if i == 4 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls.Load() > 6 {
		t.Errorf("err %v after %d calls, want boom after 5 (6 at most: one may be handed over already)", err, calls.Load())
	}
	// Nothing to do, or no context left: no call.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Each(ctx, 2, 10, func(int) error { t.Error("called after cancel"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
