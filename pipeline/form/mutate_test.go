package form

import (
	"bytes"
	"math/rand"
	"testing"
	"time"
)

// TestMutatedForms reads a few thousand randomly damaged copies of a stored
// form (deterministic seed): none may panic or take long.
func TestMutatedForms(t *testing.T) {
	good := rezip(t, stdForm(Version2022).build(t), nil)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		data := append([]byte{}, good...)
		for k := 0; k < 1+rng.Intn(8); k++ {
			p := rng.Intn(len(data))
			switch rng.Intn(4) {
			case 0:
				data[p] = byte(rng.Intn(256))
			case 1:
				n := rng.Intn(50)
				if p+n < len(data) {
					data = append(data[:p], data[p+n:]...)
				}
			case 2:
				ins := make([]byte, rng.Intn(20))
				for j := range ins {
					ins[j] = "<>/\"'=&;![]x "[rng.Intn(13)]
				}
				data = append(data[:p], append(ins, data[p:]...)...)
			case 3:
				q := rng.Intn(len(data))
				n := rng.Intn(100)
				if q+n < len(data) {
					data = append(data[:p], append(append([]byte{}, data[q:q+n]...), data[p:]...)...)
				}
			}
		}
		done := make(chan bool)
		go func() {
			f := Read(bytes.NewReader(data), int64(len(data)), "x", Options{Limits: Limits{MaxUnzippedBytes: 8 << 20}})
			for _, i := range f.Issues {
				if i.Message == panicMessage {
					t.Errorf("mutation: the reader panicked")
				}
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatalf("mutation %d: Read took over 2s", i)
		}
	}
}
