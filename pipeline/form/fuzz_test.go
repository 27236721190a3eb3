package form

import (
	"bytes"
	"testing"
	"time"
)

func fuzzCell(s string, kind uint8, dateFmt, d1904 bool) Cell {
	return Cell{Value: s, Kind: CellKind(kind % 5), DateFormat: dateFmt, Date1904: d1904}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2021-03-05", "2021/3/5", "2021.3.5", "2021年3月5日", "20210305", "44260", "44260.5", "2021-03-04T16:00:00Z", "", "年月", "9999999999"} {
		f.Add(s, uint8(0), false, false)
		f.Add(s, uint8(1), true, false)
	}
	f.Fuzz(func(t *testing.T, s string, kind uint8, dateFmt, d1904 bool) {
		d, ok := ParseDate(fuzzCell(s, kind, dateFmt, d1904))
		if ok && (d.Year() < minYear || d.Year() > maxYear || d.Location() != time.UTC || d.Hour() != 0) {
			t.Errorf("ParseDate(%q) = %v", s, d)
		}
		if !ok && !d.IsZero() {
			t.Errorf("ParseDate(%q) refused but returned %v", s, d)
		}
	})
}

func FuzzParseYesNo(f *testing.F) {
	for _, s := range []string{"是", "否", "Y", "no", "√", "×", "1", "0", "TRUE", ""} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, kind uint8) {
		yes, ok := ParseYesNo(fuzzCell(s, kind, false, false))
		if !ok && yes {
			t.Errorf("ParseYesNo(%q) refused but said yes", s)
		}
	})
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"450109100201", "4.50109E+11", " ４５０１０９１００２０１ ", "4.50109100201E+11", "", "1e999"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, s string, kind uint8) {
		code, prob := ParseCode(fuzzCell(s, kind, false, false))
		if (prob == CodeOK) != (len(code) == 12 && allDigits(code)) {
			t.Errorf("ParseCode(%q) = %q, %v", s, code, prob)
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2021年3月", "2021-03", "2021.3", "2021/03", "202103", "2021.1", "44256", ""} {
		f.Add(s, uint8(0), false)
		f.Add(s, uint8(1), true)
	}
	f.Fuzz(func(t *testing.T, s string, kind uint8, dateFmt bool) {
		p, prob := ParsePeriod(fuzzCell(s, kind, dateFmt, false))
		if prob == PeriodOK {
			if _, err := time.Parse("2006-01", p); err != nil || len(p) != 7 {
				t.Errorf("ParsePeriod(%q) = %q", s, p)
			}
		} else if p != "" {
			t.Errorf("ParsePeriod(%q) refused but returned %q", s, p)
		}
	})
}

func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"12", "12.0", "12.5", "-1", "５６", "1e3", "", "99999999999999999999"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, s string, kind uint8) {
		n, ok := ParseCount(fuzzCell(s, kind, false, false))
		if ok && n < 0 {
			t.Errorf("ParseCount(%q) = %d", s, n)
		}
	})
}

// FuzzRead mutates a real small form (stored, so that byte changes reach the
// XML): the reader must never panic, hang or blow its limits. Inputs are
// large, so the engine spends long minimizing new ones; use
// -fuzzminimizetime=2s for a quick run.
func FuzzRead(f *testing.F) {
	fs := stdForm(Version2022)
	good := fs.build(f)
	f.Add(good)
	stored := rezip(f, good, nil)
	f.Add(stored)
	f.Add(stored[:len(stored)/3])
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		form := Read(bytes.NewReader(data), int64(len(data)), "fuzz.xlsx", Options{Limits: Limits{MaxUnzippedBytes: 8 << 20}})
		if form == nil {
			t.Fatal("nil form")
		}
		for _, i := range form.Issues {
			if i.Code == "" || i.Message == "" || i.Severity == "" {
				t.Errorf("incomplete issue %+v", i)
			}
			if i.Code == CodeNotXLSX && i.Message == panicMessage {
				t.Errorf("reader panicked on this input")
			}
		}
	})
}

// FuzzParseStars: any cell text gives a rating of 0 to 5 stars or none,
// never a panic.
func FuzzParseStars(f *testing.F) {
	for _, s := range []string{"五星", "三星级", "５星级", "★★★☆☆", "3.0", "未评定", "六星", "★★★★★★", ""} {
		f.Add(s, false)
	}
	f.Add("4", true)
	f.Fuzz(func(t *testing.T, s string, number bool) {
		c := Cell{Value: s}
		if number {
			c.Kind = KindNumber
		}
		if n, ok := ParseStars(c); ok && (n < 0 || n > 5) {
			t.Errorf("ParseStars(%q) = %d stars", s, n)
		}
	})
}
