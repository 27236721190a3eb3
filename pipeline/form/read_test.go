package form

import (
	"testing"
)

func TestSmoke(t *testing.T) {
	for _, v := range Versions {
		f := readBytes(stdForm(v).build(t))
		for _, i := range f.Issues {
			t.Log(i.Error(), i.Value)
		}
		t.Logf("%s %+v rows=%+v version=%s orgs=%d meet=%d req=%d", v, f.Cover, f.Rows, f.Version, len(f.Orgs), len(f.Meetings), len(f.Requests))
		for _, r := range f.Requests {
			t.Logf("%+v", r)
		}
	}
}

func BenchmarkReadForm(b *testing.B) {
	data := bigForm(b, 200)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f := readBytes(data)
		if f.Rejected || len(f.Requests) != 200 {
			b.Fatalf("rejected=%v requests=%d %v", f.Rejected, len(f.Requests), f.Issues)
		}
	}
}
