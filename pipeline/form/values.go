package form

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"grassroots/pipeline/calendar"
	"grassroots/pipeline/xlsx"
)

// CellKind is what a cell holds as stored in the workbook, before any
// interpretation (see xlsx.CellKind).
type CellKind = xlsx.CellKind

// The kinds of cell.
const (
	KindText   = xlsx.KindText
	KindNumber = xlsx.KindNumber
	KindBool   = xlsx.KindBool
	KindDate   = xlsx.KindDate
	KindError  = xlsx.KindError
)

// Cell is one cell's raw content: what the parsers interpret. It is the
// cell as xlsx streams it (Cell(c) converts one at no cost); the zero value
// is an empty text cell.
type Cell xlsx.Cell

// Dates outside these years are typing mistakes (a serial read as a date, a
// two-digit year): a village's monthly report has no business with them.
const (
	minYear = 2000
	maxYear = 2099
)

// isSpace is white space as clerks produce it: ASCII, full-width (U+3000),
// no-break spaces, line breaks, zero-width spaces and byte-order marks.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u3000' || r == '\u00a0' || r == '\u200b' || r == '\ufeff'
}

// CleanText trims surrounding white space, including full-width spaces and
// line breaks: what a text column holds once read.
func CleanText(s string) string {
	if s == "" || (s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf) {
		return s
	}
	return strings.TrimFunc(s, isSpace)
}

// fold maps full-width ASCII forms (０-９, Ａ-Ｚ, －, ．, ／, ：…) to ASCII and
// the ideographic space to a space.
func fold(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			break
		}
	}
	if i == len(s) {
		return s
	}
	need := false
	for _, r := range s[i:] {
		if (r >= 0xFF01 && r <= 0xFF5E) || r == 0x3000 {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteByte(byte(r - 0xFF01 + 0x21))
		case r == 0x3000:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// clean is CleanText after folding full-width forms: the form in which
// numbers, dates and codes are parsed.
func clean(s string) string { return CleanText(fold(s)) }

// matchKey is how labels, headers, sheet names and enum values are compared:
// full-width folded, without any white space, quotes or asterisks, without a
// trailing colon or a trailing bracketed note such as （必填）, ASCII lower case.
func matchKey(s string) string {
	if plainKey(s) {
		return s
	}
	s = fold(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case isSpace(r):
		case r == '"' || r == '\'' || r == '“' || r == '”' || r == '‘' || r == '’' ||
			r == '「' || r == '」' || r == '『' || r == '』' || r == '*':
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		default:
			b.WriteRune(r)
		}
	}
	k := strings.TrimRight(b.String(), ":")
	if strings.HasSuffix(k, ")") {
		if i := strings.LastIndex(k, "("); i > 0 {
			k = strings.TrimRight(k[:i], ":")
		}
	}
	return k
}

// plainKey reports whether matchKey would return s unchanged: nothing to
// fold, drop or lower-case, no trailing colon or bracket.
func plainKey(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		switch {
		case r < 0x80:
			if r <= ' ' || r == '"' || r == '\'' || r == '*' || r == ':' || r == ')' || (r >= 'A' && r <= 'Z') {
				return false
			}
		case (r >= 0xFF01 && r <= 0xFF5E) || isSpace(r) || r == '“' || r == '”' || r == '‘' || r == '’' ||
			r == '「' || r == '」' || r == '『' || r == '』':
			return false
		}
	}
	return true
}

// numberText is the text a clerk sees for a number cell holding an integer
// stored in exponent notation ("1.3800001234E+10" → "13800001234").
func numberText(raw string) string {
	if !strings.ContainsAny(raw, "eE") {
		return raw
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) >= 1e15 {
		return raw
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Text is a text column's value: trimmed, numbers shown without exponent.
func (c Cell) Text() string {
	if c.Kind == KindNumber {
		return numberText(strings.TrimSpace(c.Value))
	}
	return CleanText(c.Value)
}

// IsEmpty reports whether the cell holds nothing but white space.
func (c Cell) IsEmpty() bool {
	v := c.Value
	if v == "" {
		return true
	}
	if v[0] > ' ' && v[0] < utf8.RuneSelf {
		return false
	}
	return CleanText(v) == ""
}

var (
	yesWords = []string{"是", "有", "y", "yes", "√", "✓", "✔", "1", "true", "对"}
	noWords  = []string{"否", "无", "n", "no", "×", "✗", "✘", "x", "0", "false", "没有"}
)

// ParseYesNo reads a yes/no cell: 是 否 有 无 Y N yes no (any case) √ × 1 0,
// TRUE/FALSE and Excel booleans. ok is false for anything else, including an
// empty cell.
func ParseYesNo(c Cell) (yes, ok bool) {
	if c.Kind == KindNumber {
		if v, err := strconv.ParseFloat(strings.TrimSpace(c.Value), 64); err == nil {
			switch v {
			case 1:
				return true, true
			case 0:
				return false, true
			}
		}
		return false, false
	}
	k := matchKey(c.Value)
	for _, w := range yesWords {
		if k == w {
			return true, true
		}
	}
	for _, w := range noWords {
		if k == w {
			return false, true
		}
	}
	return false, false
}

// ParseCount reads a whole number ≥ 0: a number cell holding an integer
// ("12", "12.0"), or text of ASCII or full-width digits, optionally ".0".
// 12.5, -1, "12人" and an empty cell are not counts.
func ParseCount(c Cell) (int64, bool) {
	s := clean(c.Value)
	switch c.Kind {
	case KindNumber:
	case KindText:
		if !isDecimal(s) {
			return 0, false
		}
	default:
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v != math.Trunc(v) || v > 1<<53 {
		return 0, false
	}
	return int64(v), true
}

// isDecimal: digits with at most one decimal point inside (no sign, no exponent).
func isDecimal(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CodeProblem says why ParseCode refused a value.
type CodeProblem uint8

const (
	CodeOK         CodeProblem = iota
	CodeEmpty                  // nothing in the cell
	CodeNotDigits              // not 12 digits
	CodeScientific             // text in exponent notation: digits were lost
)

// ParseCode reads a 12-digit statistical division code. A number cell is
// fine whatever its display; text may carry spaces and full-width digits;
// text in exponent notation ("4.50109E+11") has lost digits and is refused.
func ParseCode(c Cell) (string, CodeProblem) {
	s := clean(c.Value)
	if s == "" {
		return "", CodeEmpty
	}
	switch c.Kind {
	case KindNumber:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v != math.Trunc(v) || v < 1e11 || v >= 1e12 {
			return "", CodeNotDigits
		}
		return strconv.FormatInt(int64(v), 10), CodeOK
	case KindText:
	default:
		return "", CodeNotDigits
	}
	s = strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s)
	if strings.ContainsAny(s, "eE") && strings.ContainsAny(s, "0123456789") {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "", CodeScientific
		}
	}
	if len(s) != 12 || !allDigits(s) {
		return "", CodeNotDigits
	}
	return s, CodeOK
}

// PeriodProblem says why ParsePeriod refused a value.
type PeriodProblem uint8

const (
	PeriodOK        PeriodProblem = iota
	PeriodEmpty                   // nothing in the cell
	PeriodBad                     // not a month in any accepted spelling
	PeriodAmbiguous               // a number with a decimal point: 2021.1 may have been 2021.10
)

// ParsePeriod reads the report month as "YYYY-MM": text 2021年3月, 2021-03,
// 2021.3, 2021/03, 202103 (or a full date), a date cell (its month), a
// number 202103. A number with a decimal point (2021.1) is ambiguous.
func ParsePeriod(c Cell) (string, PeriodProblem) {
	s := clean(c.Value)
	if s == "" {
		return "", PeriodEmpty
	}
	switch c.Kind {
	case KindNumber:
		if c.DateFormat {
			if d, ok := ParseDate(c); ok {
				return d.Format(calendar.PeriodLayout), PeriodOK
			}
			return "", PeriodBad
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "", PeriodBad
		}
		if v != math.Trunc(v) {
			return "", PeriodAmbiguous
		}
		if p, ok := yearMonth(strconv.FormatFloat(v, 'f', -1, 64)); ok {
			return p, PeriodOK
		}
		if d, ok := ParseDate(c); ok {
			return d.Format(calendar.PeriodLayout), PeriodOK
		}
		return "", PeriodBad
	case KindDate:
		if d, ok := ParseDate(c); ok {
			return d.Format(calendar.PeriodLayout), PeriodOK
		}
		return "", PeriodBad
	case KindText:
	default:
		return "", PeriodBad
	}
	if p, ok := yearMonth(s); ok {
		return p, PeriodOK
	}
	if d, ok := parseDateText(s, c.Date1904, nil); ok && !allDigits(s) {
		return d.Format(calendar.PeriodLayout), PeriodOK
	}
	return "", PeriodBad
}

// yearMonth parses the month spellings of text periods.
func yearMonth(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s)
	var y, m string
	switch {
	case strings.Contains(s, "年"):
		var ok bool
		y, m, ok = strings.Cut(s, "年")
		if !ok {
			return "", false
		}
		m = strings.TrimSuffix(m, "份")
		m, ok = strings.CutSuffix(m, "月")
		if !ok {
			return "", false
		}
	case len(s) == 6 && allDigits(s):
		y, m = s[:4], s[4:]
	default:
		i := strings.IndexAny(s, "-/.")
		if i < 0 {
			return "", false
		}
		y, m = s[:i], s[i+1:]
	}
	if len(y) != 4 || !allDigits(y) || len(m) < 1 || len(m) > 2 || !allDigits(m) {
		return "", false
	}
	yy, _ := strconv.Atoi(y)
	mm, _ := strconv.Atoi(m)
	if yy < minYear || yy > maxYear || mm < 1 || mm > 12 {
		return "", false
	}
	return y + "-" + two(mm), true
}

func two(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// ParseDate reads a date: a number in a date-formatted cell (its serial, the
// time of day dropped), a 5-digit serial or an 8-digit YYYYMMDD in a number
// or text cell, text 2021-03-05, 2021/3/5, 2021.3.5, 2021年3月5日 (a time of
// day after it is ignored), a t="d" ISO date. The result is a calendar date
// at midnight UTC; dates outside 2000–2099 are refused as typing mistakes.
// An ISO date-time with a zone is taken in Asia/Shanghai (see ParseDateIn).
func ParseDate(c Cell) (time.Time, bool) {
	return ParseDateIn(c, nil)
}

// ParseDateIn is ParseDate with the time zone for ISO date-times that carry
// one (nil: Asia/Shanghai).
func ParseDateIn(c Cell, loc *time.Location) (time.Time, bool) {
	s := clean(c.Value)
	if s == "" {
		return time.Time{}, false
	}
	switch c.Kind {
	case KindNumber:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		if c.DateFormat {
			return serialDate(v, c.Date1904)
		}
		if v != math.Trunc(v) {
			return time.Time{}, false
		}
		return parseDateText(strconv.FormatFloat(v, 'f', -1, 64), c.Date1904, loc)
	case KindText, KindDate:
		return parseDateText(s, c.Date1904, loc)
	}
	return time.Time{}, false
}

// serialDate converts an Excel serial to a date, with the 1900 leap-year bug
// (serial 60 is the nonexistent 1900-02-29) as Excel and excelize have it.
func serialDate(v float64, date1904 bool) (time.Time, bool) {
	if math.IsNaN(v) || v < 1 || v > 2958465 {
		return time.Time{}, false
	}
	days := int(math.Floor(v + 1e-9))
	var d time.Time
	switch {
	case date1904:
		d = time.Date(1904, 1, 1+days, 0, 0, 0, 0, time.UTC)
	case days == 60:
		return time.Time{}, false
	case days < 60:
		d = time.Date(1899, 12, 31+days, 0, 0, 0, 0, time.UTC)
	default:
		d = time.Date(1899, 12, 30+days, 0, 0, 0, 0, time.UTC)
	}
	return plausible(d)
}

func plausible(d time.Time) (time.Time, bool) {
	if d.Year() < minYear || d.Year() > maxYear {
		return time.Time{}, false
	}
	return d, true
}

func ymd(y, m, d string) (time.Time, bool) {
	if len(y) != 4 || !allDigits(y) || len(m) < 1 || len(m) > 2 || !allDigits(m) || len(d) < 1 || len(d) > 2 || !allDigits(d) {
		return time.Time{}, false
	}
	yy, _ := strconv.Atoi(y)
	mm, _ := strconv.Atoi(m)
	dd, _ := strconv.Atoi(d)
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if t.Year() != yy || int(t.Month()) != mm || t.Day() != dd {
		return time.Time{}, false
	}
	return plausible(t)
}

func parseDateText(s string, date1904 bool, loc *time.Location) (time.Time, bool) {
	// An ISO date-time with a zone, as t="d" cells may hold.
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') && (strings.HasSuffix(s, "Z") || strings.LastIndexAny(s, "+-") > 10) {
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05Z07:00"} {
			if t, err := time.Parse(layout, s); err == nil {
				if loc == nil {
					loc = calendar.Shanghai
				}
				t = t.In(loc)
				return plausible(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC))
			}
		}
	}
	if y, rest, ok := strings.Cut(s, "年"); ok {
		m, d, ok := strings.Cut(rest, "月")
		if !ok {
			return time.Time{}, false
		}
		if i := strings.IndexAny(d, "日号"); i >= 0 {
			d = d[:i] // and a time of day after it
		}
		return ymd(strings.TrimSpace(y), strings.TrimSpace(m), strings.TrimSpace(d))
	}
	// Drop a time of day: "2021-03-05 10:30", "2021-03-05T00:00:00".
	if i := strings.IndexAny(s, " T"); i > 0 {
		s = s[:i]
	}
	if allDigits(s) {
		switch len(s) {
		case 8:
			return ymd(s[:4], s[4:6], s[6:])
		case 5:
			v, _ := strconv.Atoi(s)
			return serialDate(float64(v), date1904)
		}
		return time.Time{}, false
	}
	i := strings.IndexAny(s, "-/.")
	if i < 0 {
		return time.Time{}, false
	}
	sep := s[i]
	parts := strings.Split(s, string(sep))
	if len(parts) != 3 {
		return time.Time{}, false
	}
	return ymd(parts[0], parts[1], parts[2])
}

// Star ratings of a party organization (2023版 党组织星级), as written.
var starWords = map[string]int{"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}

// StarNames are the canonical ratings by number of stars; 0 is 未评定 (a
// valid answer that counts in no star metric's numerator).
var StarNames = [6]string{"未评定", "一星", "二星", "三星", "四星", "五星"}

// ParseStars reads a star rating: 五星 … 一星 (also 五星级), a digit with 星
// (5星, ５星级), a whole number 1–5 as a number cell or text ("3.0" too), a
// run of 1–5 ★ (any ☆ ignored), or 未评定 (0 stars). ok is false for
// anything else, including an empty cell.
func ParseStars(c Cell) (stars int, ok bool) {
	if n, isCount := ParseCount(c); isCount {
		return int(n), n >= 1 && n <= 5
	}
	s := matchKey(c.Value)
	if s == "未评定" {
		return 0, true
	}
	if strings.ContainsAny(s, "★☆") {
		n := 0
		for _, r := range s {
			switch r {
			case '★':
				n++
			case '☆':
			default:
				return 0, false
			}
		}
		return n, n >= 1 && n <= 5
	}
	s = strings.TrimSuffix(s, "级")
	if d, cut := strings.CutSuffix(s, "星"); cut {
		n, ok := starWords[d]
		return n, ok
	}
	return 0, false
}
