package form

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	want := d(2021, 3, 5)
	cases := []struct {
		name string
		c    Cell
		want time.Time // zero: refused
	}{
		{"iso", Cell{Value: "2021-03-05"}, want},
		{"slashes", Cell{Value: "2021/3/5"}, want},
		{"dots", Cell{Value: "2021.3.5"}, want},
		{"chinese", Cell{Value: "2021年3月5日"}, want},
		{"chinese with spaces", Cell{Value: "2021 年 3 月 5 日"}, want},
		{"8 digits", Cell{Value: "20210305"}, want},
		{"full-width", Cell{Value: "２０２１－０３－０５"}, want},
		{"with time", Cell{Value: "2021-03-05 10:30:00"}, want},
		{"serial as text", Cell{Value: "44260"}, want},
		{"serial number", Cell{Value: "44260", Kind: KindNumber}, want},
		{"date cell with time", Cell{Value: "44260.75", Kind: KindNumber, DateFormat: true}, want},
		{"date cell 1904", Cell{Value: "42798", Kind: KindNumber, DateFormat: true, Date1904: true}, want},
		{"8-digit number", Cell{Value: "20210305", Kind: KindNumber}, want},
		{"t=d date", Cell{Value: "2021-03-05T00:00:00", Kind: KindDate}, want},
		{"t=d UTC instant is a Shanghai date", Cell{Value: "2021-03-04T16:00:00Z", Kind: KindDate}, want},
		{"fraction without date format", Cell{Value: "2021.35", Kind: KindNumber}, time.Time{}},
		{"month 13", Cell{Value: "2021-13-05"}, time.Time{}},
		{"feb 30", Cell{Value: "2021-02-30"}, time.Time{}},
		{"no day", Cell{Value: "2021-03"}, time.Time{}},
		{"year out of range", Cell{Value: "1905-07-13"}, time.Time{}},
		{"tiny serial", Cell{Value: "5", Kind: KindNumber, DateFormat: true}, time.Time{}},
		{"1900 leap bug serial 60", Cell{Value: "60", Kind: KindNumber, DateFormat: true}, time.Time{}},
		{"bool", Cell{Value: "1", Kind: KindBool}, time.Time{}},
		{"words", Cell{Value: "上周"}, time.Time{}},
		{"empty", Cell{}, time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ParseDate(tc.c)
			if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
				t.Errorf("ParseDate(%+v) = %v, %v; want %v", tc.c, got, ok, tc.want)
			}
		})
	}
}

func TestSerialDateMatchesExcel(t *testing.T) {
	// Known serials: 61 = 1900-03-01 (after the fake 1900-02-29), 36526 = 2000-01-01.
	for serial, want := range map[float64]time.Time{36526: d(2000, 1, 1), 44260: d(2021, 3, 5), 73050: d(2099, 12, 31)} {
		got, ok := serialDate(serial, false)
		if !ok || !got.Equal(want) {
			t.Errorf("serialDate(%v) = %v, %v; want %v", serial, got, ok, want)
		}
	}
}

func TestParseYesNo(t *testing.T) {
	for _, s := range []string{"是", "有", "Y", "y", "YES", "Yes", "√", "1", "TRUE", " 是 "} {
		if v, ok := ParseYesNo(Cell{Value: s}); !ok || !v {
			t.Errorf("ParseYesNo(%q) = %v, %v", s, v, ok)
		}
	}
	for _, s := range []string{"否", "无", "N", "no", "NO", "×", "0", "false"} {
		if v, ok := ParseYesNo(Cell{Value: s}); !ok || v {
			t.Errorf("ParseYesNo(%q) = %v, %v", s, v, ok)
		}
	}
	for _, c := range []Cell{{Value: "1", Kind: KindBool}, {Value: "1", Kind: KindNumber}} {
		if v, ok := ParseYesNo(c); !ok || !v {
			t.Errorf("ParseYesNo(%+v) = %v, %v", c, v, ok)
		}
	}
	for _, s := range []string{"", "也许", "2", "是否"} {
		if _, ok := ParseYesNo(Cell{Value: s}); ok {
			t.Errorf("ParseYesNo(%q) accepted", s)
		}
	}
}

func TestParseCount(t *testing.T) {
	ok := map[Cell]int64{
		{Value: "12"}: 12, {Value: " ５６ "}: 56, {Value: "12.0"}: 12, {Value: "0"}: 0,
		{Value: "12", Kind: KindNumber}: 12, {Value: "12.0", Kind: KindNumber}: 12, {Value: "1.2E1", Kind: KindNumber}: 12,
	}
	for c, want := range ok {
		if got, good := ParseCount(c); !good || got != want {
			t.Errorf("ParseCount(%+v) = %v, %v; want %v", c, got, good, want)
		}
	}
	for _, c := range []Cell{{Value: "12.5"}, {Value: "-1"}, {Value: "12人"}, {Value: ""}, {Value: "12.5", Kind: KindNumber},
		{Value: "-3", Kind: KindNumber}, {Value: "1", Kind: KindBool}, {Value: "1e3"}, {Value: "."}} {
		if got, good := ParseCount(c); good {
			t.Errorf("ParseCount(%+v) = %v, accepted", c, got)
		}
	}
}

func TestParseCode(t *testing.T) {
	cases := []struct {
		c    Cell
		want string
		prob CodeProblem
	}{
		{Cell{Value: "450109100201"}, "450109100201", CodeOK},
		{Cell{Value: " 4501 0910 0201 "}, "450109100201", CodeOK},
		{Cell{Value: "４５０１０９１００２０１"}, "450109100201", CodeOK},
		{Cell{Value: "450109100201", Kind: KindNumber}, "450109100201", CodeOK},
		{Cell{Value: "4.50109100201E+11", Kind: KindNumber}, "450109100201", CodeOK},
		{Cell{Value: "4.50109E+11"}, "", CodeScientific},
		{Cell{Value: "4.50109e11"}, "", CodeScientific},
		{Cell{Value: "45010910020"}, "", CodeNotDigits},
		{Cell{Value: "45010910020a"}, "", CodeNotDigits},
		{Cell{Value: "450109100201.5", Kind: KindNumber}, "", CodeNotDigits},
		{Cell{Value: " "}, "", CodeEmpty},
	}
	for _, tc := range cases {
		got, prob := ParseCode(tc.c)
		if got != tc.want || prob != tc.prob {
			t.Errorf("ParseCode(%+v) = %q, %v; want %q, %v", tc.c, got, prob, tc.want, tc.prob)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	cases := []struct {
		c    Cell
		want string
		prob PeriodProblem
	}{
		{Cell{Value: "2021年3月"}, "2021-03", PeriodOK},
		{Cell{Value: "2021年03月份"}, "2021-03", PeriodOK},
		{Cell{Value: "2021-03"}, "2021-03", PeriodOK},
		{Cell{Value: "2021.3"}, "2021-03", PeriodOK},
		{Cell{Value: "2021.1"}, "2021-01", PeriodOK},
		{Cell{Value: "2021.10"}, "2021-10", PeriodOK},
		{Cell{Value: "2021/03"}, "2021-03", PeriodOK},
		{Cell{Value: "202103"}, "2021-03", PeriodOK},
		{Cell{Value: "２０２１年３月"}, "2021-03", PeriodOK},
		{Cell{Value: "2021-03-01"}, "2021-03", PeriodOK},
		{Cell{Value: "202103", Kind: KindNumber}, "2021-03", PeriodOK},
		{Cell{Value: "44256", Kind: KindNumber, DateFormat: true}, "2021-03", PeriodOK},
		{Cell{Value: "2021-03-01T00:00:00", Kind: KindDate}, "2021-03", PeriodOK},
		{Cell{Value: "2021.1", Kind: KindNumber}, "", PeriodAmbiguous},
		{Cell{Value: "2021.3", Kind: KindNumber}, "", PeriodAmbiguous},
		{Cell{Value: "2021年13月"}, "", PeriodBad},
		{Cell{Value: "三月"}, "", PeriodBad},
		{Cell{Value: "2021"}, "", PeriodBad},
		{Cell{}, "", PeriodEmpty},
	}
	for _, tc := range cases {
		got, prob := ParsePeriod(tc.c)
		if got != tc.want || prob != tc.prob {
			t.Errorf("ParsePeriod(%+v) = %q, %v; want %q, %v", tc.c, got, prob, tc.want, tc.prob)
		}
	}
}

func TestEnumVariants(t *testing.T) {
	idx := unitTypes.index()
	for in, want := range map[string]string{"小区": UnitResidential, "非公企业": UnitEnterprise, "社会组织": UnitEnterprise,
		"民营企业": UnitEnterprise, "合作社": UnitCooperative, "家庭农场": UnitFamilyFarm, " 居民小区 ": UnitResidential} {
		if got := idx[matchKey(in)]; got != want {
			t.Errorf("unit type %q = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"单独": FormedStandalone, "单建": FormedStandalone, "联合": FormedJoint, "联建": FormedJoint} {
		if got := formations.index()[matchKey(in)]; got != want {
			t.Errorf("formation %q = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"成功": "调处成功", "失败": "调处失败", "调处中": "调处中"} {
		if got := mediations.index()[matchKey(in)]; got != want {
			t.Errorf("mediation %q = %q, want %q", in, got, want)
		}
	}
	if got := ratings.index()[matchKey("非常满意")]; got != "满意" {
		t.Errorf("rating 非常满意 = %q", got)
	}
}

func BenchmarkParseDate(b *testing.B) {
	cells := []Cell{{Value: "44260", Kind: KindNumber, DateFormat: true}, {Value: "2021-03-05"}, {Value: "2021年3月5日"}, {Value: "20210305"}}
	for b.Loop() {
		for _, c := range cells {
			ParseDate(c)
		}
	}
}

func BenchmarkParseYesNo(b *testing.B) {
	cells := []Cell{{Value: "是"}, {Value: "否"}, {Value: "yes"}, {Value: "1", Kind: KindBool}}
	for b.Loop() {
		for _, c := range cells {
			ParseYesNo(c)
		}
	}
}

func BenchmarkParseCount(b *testing.B) {
	cells := []Cell{{Value: "12", Kind: KindNumber}, {Value: "５６"}, {Value: "12.0"}}
	for b.Loop() {
		for _, c := range cells {
			ParseCount(c)
		}
	}
}

func BenchmarkParseCode(b *testing.B) {
	cells := []Cell{{Value: "450109100201", Kind: KindNumber}, {Value: " 4501 0910 0201 "}}
	for b.Loop() {
		for _, c := range cells {
			ParseCode(c)
		}
	}
}

func BenchmarkParsePeriod(b *testing.B) {
	cells := []Cell{{Value: "2021年3月"}, {Value: "2021-03"}, {Value: "44256", Kind: KindNumber, DateFormat: true}}
	for b.Loop() {
		for _, c := range cells {
			ParsePeriod(c)
		}
	}
}

func TestMatchKey(t *testing.T) {
	for in, want := range map[string]string{
		"单号": "单号", " 单 号 ": "单号", "单号（必填）": "单号", "*点单日期:": "点单日期", `书记是否"一肩挑"：`: "书记是否一肩挑",
		"书记是否“一肩挑”": "书记是否一肩挑", "村（社区）名称": "村(社区)名称", "YES": "yes", "Ｙ": "y", "已办结": "已办结",
	} {
		if got := matchKey(in); got != want {
			t.Errorf("matchKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseStars(t *testing.T) {
	cases := []struct {
		c    Cell
		want int
		ok   bool
	}{
		{Cell{Value: "五星"}, 5, true}, {Cell{Value: "三星级"}, 3, true}, {Cell{Value: "一星"}, 1, true},
		{Cell{Value: "5星"}, 5, true}, {Cell{Value: "５星级"}, 5, true}, {Cell{Value: " 4 星 "}, 4, true},
		{Cell{Value: "3", Kind: KindNumber}, 3, true}, {Cell{Value: "3.0", Kind: KindNumber}, 3, true},
		{Cell{Value: "3.0"}, 3, true}, {Cell{Value: "２"}, 2, true},
		{Cell{Value: "★★★"}, 3, true}, {Cell{Value: "★★★☆☆"}, 3, true}, {Cell{Value: "★★★★★"}, 5, true},
		{Cell{Value: "未评定"}, 0, true},
		{Cell{Value: "六星"}, 0, false}, {Cell{Value: "0", Kind: KindNumber}, 0, false},
		{Cell{Value: "6", Kind: KindNumber}, 6, false}, {Cell{Value: "3.5", Kind: KindNumber}, 0, false},
		{Cell{Value: "☆☆☆"}, 0, false}, {Cell{Value: "★★★★★★"}, 6, false}, {Cell{Value: "三星半"}, 0, false},
		{Cell{Value: "优秀"}, 0, false}, {Cell{}, 0, false},
	}
	for _, tc := range cases {
		got, ok := ParseStars(tc.c)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("ParseStars(%+v) = %d, %v; want %d, %v", tc.c, got, ok, tc.want, tc.ok)
		}
	}
}
