package calendar

import (
	"strconv"
	"testing"
	"time"
)

func TestShanghai(t *testing.T) {
	for _, loc := range []*time.Location{Shanghai, fixed} {
		for _, s := range []string{"1992-01-15T12:00:00Z", "2021-07-01T00:00:00Z", "2035-12-31T23:59:59Z"} {
			u, _ := time.Parse(time.RFC3339, s)
			name, off := u.In(loc).Zone()
			if name != "CST" || off != 8*3600 {
				t.Errorf("%s in %v: zone %s %+d, want CST +28800", s, loc, name, off)
			}
		}
	}
}

func TestPeriod(t *testing.T) {
	for s, ok := range map[string]bool{
		"2021-01": true, "2021-12": true, "0001-09": true,
		"2021-00": false, "2021-13": false, "2021-1": false, "21-01": false, "2021-01-01": false,
		"2021/01": false, "": false, " 2021-01": false, "2021-01\n": false,
	} {
		if IsPeriod(s) != ok {
			t.Errorf("IsPeriod(%q) = %v", s, !ok)
		}
		p, err := ParsePeriod(s)
		if (err == nil) != ok {
			t.Errorf("ParsePeriod(%q): %v", s, err)
			continue
		}
		if ok && Period(p) != s {
			t.Errorf("Period(ParsePeriod(%q)) = %q", s, Period(p))
		}
	}
	if p, _ := ParsePeriod("2021-03"); !p.Equal(time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParsePeriod(2021-03) = %v", p)
	}
}

func TestDeadlineDay(t *testing.T) {
	for in, want := range map[int]int{0: DefaultDeadlineDay, 1: 1, 5: 5, 28: 28} {
		if got, err := DeadlineDay(in); err != nil || got != want {
			t.Errorf("DeadlineDay(%d) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []int{-1, 29, 31} {
		if _, err := DeadlineDay(in); err == nil || ValidDeadlineDay(in) {
			t.Errorf("DeadlineDay(%d): no error", in)
		} else if want := "deadline day " + strconv.Itoa(in) + ": want 1 to 28"; err.Error() != want {
			t.Errorf("DeadlineDay(%d): %q, want %q", in, err, want)
		}
	}
}
