package registry

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add(good)
	f.Add("code,name,level,parent_code\n450100000000,南宁市,city,450100000000\n")
	f.Add("\uFEFFcode,name,level,parent_code\n")
	f.Fuzz(func(t *testing.T, data string) {
		reg, err := Parse(strings.NewReader(data), "fuzz.csv")
		if err != nil {
			return
		}
		if reg.Top().ParentCode != "" {
			t.Errorf("top %+v has a parent", reg.Top())
		}
		for _, u := range reg.Units() {
			anc := reg.Ancestors(u.Code)
			if u.Code != reg.Top().Code && (len(anc) == 0 || anc[len(anc)-1] != reg.Top()) {
				t.Errorf("ancestors of %s do not end at the top: %v", u.Code, anc)
			}
		}
	})
}
