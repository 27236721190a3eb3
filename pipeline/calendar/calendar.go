// Package calendar is the one definition of the batch's calendar, which every
// stage must agree on: the Asia/Shanghai clock the villages work by, the
// month a form reports on (its period, YYYY-MM) and the day of the next month
// by whose end the form is on time. The reader, the warehouse, the workbooks,
// the command line and the generated fixtures all take them from here, so
// that a deadline or a month boundary cannot mean two things.
package calendar

import (
	"fmt"
	"regexp"
	"time"
)

// Shanghai is Asia/Shanghai from the zone database, or a fixed +08:00 named
// CST where the database is missing (a minimal machine or container): China
// has had no daylight saving time since 1991, so the two agree on every date
// the batch sees. Loaded once.
var Shanghai = loadShanghai()

func loadShanghai() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return fixed
}

// fixed is the +08:00 zone (CST) that Shanghai falls back to.
var fixed = time.FixedZone("CST", 8*3600)

// PeriodLayout is the time layout of a period: a month as YYYY-MM.
const PeriodLayout = "2006-01"

var periodPattern = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// IsPeriod reports whether s is a period: YYYY-MM with a month 01 to 12.
func IsPeriod(s string) bool { return periodPattern.MatchString(s) }

// ParsePeriod is the first day of the month s (YYYY-MM), 00:00 UTC.
func ParsePeriod(s string) (time.Time, error) {
	if !IsPeriod(s) {
		return time.Time{}, fmt.Errorf("period %q: want YYYY-MM", s)
	}
	return time.Parse(PeriodLayout, s)
}

// Period is the period (YYYY-MM) of t in t's own location.
func Period(t time.Time) string { return t.Format(PeriodLayout) }

// The deadline: a form for month M is on time until the end of the
// DeadlineDay-th of M+1 (docs/form.md). The day is at most 28 so that every
// month has it.
const (
	DefaultDeadlineDay = 5
	FirstDeadlineDay   = 1
	LastDeadlineDay    = 28
)

// ValidDeadlineDay reports whether day is a deadline day every month has.
func ValidDeadlineDay(day int) bool { return day >= FirstDeadlineDay && day <= LastDeadlineDay }

// DeadlineDay is day, or DefaultDeadlineDay for 0, checked: an error names
// the day and the range.
func DeadlineDay(day int) (int, error) {
	if day == 0 {
		day = DefaultDeadlineDay
	}
	if !ValidDeadlineDay(day) {
		return 0, fmt.Errorf("deadline day %d: want %d to %d", day, FirstDeadlineDay, LastDeadlineDay)
	}
	return day, nil
}
