package form

import (
	"testing"
)

// TestStandardForm: the standard form of each version, as the template
// lays it out, reads without an issue and with every row.
func TestStandardForm(t *testing.T) {
	for _, v := range Versions {
		f := readBytes(stdForm(v).build(t))
		for _, i := range f.Issues {
			t.Errorf("%s: issue %s (value %q)", v, i.Error(), i.Value)
		}
		if f.Rejected || f.Version != v || f.Cover.Code != "450109100201" || f.Cover.Period != "2021-03" {
			t.Errorf("%s: rejected %v, version %q, code %q, period %q", v, f.Rejected, f.Version, f.Cover.Code, f.Cover.Period)
		}
		if len(f.Orgs) != 2 || len(f.Meetings) != 1 || len(f.Requests) != 2 || f.Rows.Rejected != 0 {
			t.Errorf("%s: %d organizations, %d meetings, %d requests, %d rows rejected; want 2, 1, 2, 0",
				v, len(f.Orgs), len(f.Meetings), len(f.Requests), f.Rows.Rejected)
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
