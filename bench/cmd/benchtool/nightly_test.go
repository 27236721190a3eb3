package main

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormMonth(t *testing.T) {
	tests := []struct{ rel, want string }{
		{"东冲镇/2021-12/水象村12月报表.xlsx", "2021-12"},
		{"东冲镇/水象村12月报表.xlsx", ""},
		{"2021-12.xlsx", ""},
		{"a/2021-1/b.xlsx", ""},
	}
	for _, tt := range tests {
		if got := formMonth(tt.rel); got != tt.want {
			t.Errorf("formMonth(%q) = %q, want %q", tt.rel, got, tt.want)
		}
	}
}

func TestResolveMonth(t *testing.T) {
	months := []string{"2021-01", "2021-02", "2021-03"}
	tests := []struct {
		spec, want string
		err        bool
	}{
		{"newest", "2021-03", false},
		{"newest-1", "2021-02", false},
		{"newest-2", "2021-01", false},
		{"newest-3", "", true},
		{"2021-02", "2021-02", false},
		{"2020-12", "", true},
		{"newest1", "", true},
		{"newest-x", "", true},
		{"oldest", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := resolveMonth(tt.spec, months)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("resolveMonth(%q) = %q, %v; want %q, error %v", tt.spec, got, err, tt.want, tt.err)
			}
		})
	}
}

// TestSpread: the picks are spread evenly over the list, the first changed
// of them changed in place, the rest added (step b's picks since they were
// first made), and a form is never picked twice.
func TestSpread(t *testing.T) {
	list := make([]string, 10)
	for i := range list {
		list[i] = fmt.Sprintf("f%d", i)
	}
	tests := []struct {
		name           string
		changed, added int
		want           map[string]int
		err            bool
	}{
		{"two and two", 2, 2, map[string]int{"f0": 1, "f2": 1, "f5": 2, "f7": 2}, false},
		{"changed only", 3, 0, map[string]int{"f0": 1, "f3": 1, "f6": 1}, false},
		{"added only", 0, 2, map[string]int{"f0": 2, "f5": 2}, false},
		{"none", 0, 0, map[string]int{}, false},
		{"every form", 5, 5, map[string]int{"f0": 1, "f1": 1, "f2": 1, "f3": 1, "f4": 1, "f5": 2, "f6": 2, "f7": 2, "f8": 2, "f9": 2}, false},
		{"too many", 6, 5, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := map[string]int{}
			err := spread(list, tt.changed, tt.added, mark)
			if (err != nil) != tt.err {
				t.Fatalf("error %v, want error %v", err, tt.err)
			}
			if err == nil {
				if d := cmp.Diff(tt.want, mark); d != "" {
					t.Errorf("marks (-want +got):\n%s", d)
				}
			}
		})
	}
	mark := map[string]int{"f0": 1}
	if err := spread(list, 1, 0, mark); err == nil {
		t.Error("picking an already picked form: no error")
	}
}
