package report

import (
	"slices"
)

// parksUnder lists the parks (all when under is ""; else those whose
// township or district is under), by place and code.
func (d *summaryData) parksUnder(under string) []*unitInfo {
	var out []*unitInfo
	for _, u := range d.units {
		if u.level == "park" && (under == "" || u.township == under || u.district == under || u.parent == under) {
			out = append(out, u)
		}
	}
	sortByPlace(out)
	return out
}

// reportingUnits are the units expected to report in the scope: its
// villages and communities, then its parks.
func (b *builder) reportingUnits() []*unitInfo {
	if len(b.sc.parks) == 0 {
		return b.sc.villages
	}
	return append(slices.Clone(b.sc.villages), b.sc.parks...)
}

func inFamily(family string) func(metric) bool {
	return func(m metric) bool { return m.family == family }
}

// asked reports whether some form of the scope was asked the 2023版
// assessment this month: an assessment rate of the head unit has a
// denominator, or one of its counts is not 0.
func (b *builder) asked() bool {
	for _, m := range b.d.metrics {
		if m.family != familyAssessment {
			continue
		}
		f := b.d.value(b.sc.head.code, m.name)
		if (m.kind == "ratio" && f.den.Valid && f.den.Float64 > 0) || (m.kind == "count" && f.num.Valid && f.num.Float64 != 0) {
			return true
		}
	}
	return false
}

// assessment is 考评: the 2023版 assessment (star ratings, 达标, 软弱涣散
// and rectified, service centres, grid party groups, 双报到) by township,
// then the head unit's total. A rate's denominator counts only the units
// whose form asked the question.
func (b *builder) assessment() *sheet {
	s := &sheet{name: sheetAssess, title: b.title("党组织考评（2023版）"), freezeCols: 3, filterRows: -1,
		header: append([]string{"区（县）", "代码", "乡镇（街道）"}, b.titles(inFamily(familyAssessment))...)}
	keep := inFamily(familyAssessment)
	for _, t := range b.sc.townships {
		s.rows = append(s.rows, append([]any{t.districtName, t.code, t.name}, b.familyCells(t.code, keep)...))
	}
	if h := b.sc.head; h.level != "township" {
		s.rows = append(s.rows, append([]any{"合计", h.code, h.name}, b.familyCells(h.code, keep)...))
	}
	return s
}

// parkTable is 园区: one row per park with the parks' metrics.
func (b *builder) parkTable() *sheet {
	s := &sheet{name: sheetParks, title: b.title("园区两新组织党建"), freezeCols: 4, filterRows: -1,
		header: append([]string{"区（县）", "乡镇（街道）", "代码", "园区", "报送状态"}, b.titles(inFamily(familyParks))...)}
	keep := inFamily(familyParks)
	for _, p := range b.sc.parks {
		st, ok := b.d.status[p.code]
		s.rows = append(s.rows, append([]any{p.districtName, p.townshipName, p.code, p.name, statusCN(st, ok)}, b.familyCells(p.code, keep)...))
	}
	return s
}
