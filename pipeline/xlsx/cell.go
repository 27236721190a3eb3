package xlsx

import "unicode/utf8"

// CellKind is what a cell holds as stored in the workbook, before any
// interpretation. Text cells (shared, inline or formula strings) are KindText.
type CellKind uint8

const (
	KindText   CellKind = iota // a string, or a cell whose type is unknown
	KindNumber                 // a number; Value is as stored, e.g. "44260" or "4.50109100201E+11"
	KindBool                   // an Excel boolean; Value is "1" or "0"
	KindDate                   // t="d": Value is an ISO 8601 date or date-time
	KindError                  // a formula error such as #N/A; Value is the error text
)

// Cell is one cell's raw content: what the parsers interpret. The zero value
// is an empty text cell.
type Cell struct {
	Value string
	Kind  CellKind
	// DateFormat: the cell's number format shows a date or time, so a number
	// in it is a date serial.
	DateFormat bool
	// Date1904: the workbook counts date serials from 1904-01-01 (Mac Excel).
	Date1904 bool
}

// isDateFormat reports whether a number format shows a date or a time:
// built-in ids 14–22, 27–36, 45–47, 50–58, or a custom code with y, m, d or h
// outside quotes and brackets (and not escaped).
func isDateFormat(id int, code string) bool {
	switch {
	case id >= 14 && id <= 22, id >= 27 && id <= 36, id >= 45 && id <= 47, id >= 50 && id <= 58:
		return true
	}
	if code == "" {
		return false
	}
	inQuote, inBracket := false, false
	for i := 0; i < len(code); i++ {
		ch := code[i]
		switch {
		case inQuote:
			if ch == '"' {
				inQuote = false
			}
		case inBracket:
			if ch == ']' {
				inBracket = false
			}
		case ch == '"':
			inQuote = true
		case ch == '[':
			inBracket = true
		case ch == '\\' || ch == '_' || ch == '*':
			i++ // the next character is a literal (or a padding/fill character)
		default:
			switch ch | 0x20 {
			case 'y', 'm', 'd', 'h':
				return true
			}
		}
	}
	return false
}

func utf8RuneCount(s string) int { return utf8.RuneCountInString(s) }
