package report

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestUnderTownships: the villages and parks grouped by township are those
// villagesUnder and parksUnder list for each, in the same order.
func TestUnderTownships(t *testing.T) {
	d := &summaryData{}
	add := func(code, level, parent, township, district string) {
		d.units = append(d.units, &unitInfo{code: code, name: code, level: level, parent: parent, township: township, district: district})
	}
	add("C", "city", "", "", "")
	add("D1", "district", "C", "", "D1")
	add("D2", "district", "C", "", "D2")
	add("T1", "township", "D1", "T1", "D1")
	add("T2", "township", "D1", "T2", "D1")
	add("T3", "township", "D2", "T3", "D2")
	add("T4", "township", "D2", "T4", "D2") // no village, no park
	add("V9", "village", "T1", "T1", "D1")
	add("V2", "community", "T2", "T2", "D1")
	add("V1", "village", "T1", "T1", "D1")
	add("V3", "village", "T3", "T3", "D2")
	add("VX", "village", "", "", "") // outside every township
	add("P1", "park", "T1", "T1", "D1")
	add("P2", "park", "D2", "", "D2") // under a district only
	add("P3", "park", "T3", "T3", "D2")
	add("P0", "park", "T2", "T2", "D1")
	villages, parks := underTownships(d.villagesUnder(""), d.parksUnder(""))
	for _, tw := range d.unitsAt("township") {
		if got, want := villages[tw.code], d.villagesUnder(tw.code); !slices.Equal(got, want) {
			t.Errorf("%s villages: %v, want %v", tw.code, codes(got), codes(want))
		}
		if got, want := parks[tw.code], d.parksUnder(tw.code); !slices.Equal(got, want) {
			t.Errorf("%s parks: %v, want %v", tw.code, codes(got), codes(want))
		}
	}
}

// TestSortByPlace: units ordered by district, township and code, as the
// workbooks have always listed them (the three joined by NUL).
func TestSortByPlace(t *testing.T) {
	var units []*unitInfo
	for _, d := range []string{"", "D2", "D1", "D10"} {
		for _, tw := range []string{"T1", "", "T1x", "T0"} {
			for _, c := range []string{"9", "10", "1"} {
				units = append(units, &unitInfo{code: d + tw + c, district: d, township: tw})
			}
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(units), func(i, j int) { units[i], units[j] = units[j], units[i] })
	want := slices.Clone(units)
	slices.SortStableFunc(want, func(a, b *unitInfo) int {
		return strings.Compare(a.district+"\x00"+a.township+"\x00"+a.code, b.district+"\x00"+b.township+"\x00"+b.code)
	})
	sortByPlace(units)
	if !slices.Equal(units, want) {
		t.Errorf("sortByPlace: %v, want %v", codes(units), codes(want))
	}
}

func codes(us []*unitInfo) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.code)
	}
	return out
}
