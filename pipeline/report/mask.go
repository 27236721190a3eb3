package report

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// phonePattern finds candidate phone numbers: a mobile number (11 digits
// starting with 1, optionally after +86 or 86, optionally grouped 3-4-4 by a
// space or dash) or a landline (0, a 2–3 digit area code, an optional dash or
// space, 7–8 digits). Full-width digits, which Chinese input methods produce,
// count as digits. MaskPhones checks the boundaries itself, since Go's regexp
// has no look-behind.
var phonePattern = regexp.MustCompile(
	`(?:\+?86[- ]?)?[1１][0-9０-９]{2}[- ]?[0-9０-９]{4}[- ]?[0-9０-９]{4}` +
		`|[0０][0-9０-９]{2,3}[-－ ]?[0-9０-９]{7,8}`)

// MaskPhones replaces every phone number in s (a mobile number of 11 digits
// starting with 1, or a landline such as 0771-5551234 or 07715551234) by its
// first 3 and last 4 digits with one '*' per hidden digit: 13812345678 →
// 138****5678, 0771-5551234 → 077****1234. A +86 prefix is kept. A run of
// digits that is part of a longer number (a registry code, an ID number) is
// not a phone number and is left alone.
func MaskPhones(s string) string {
	var out strings.Builder
	done, pos := 0, 0
	for pos < len(s) {
		loc := phonePattern.FindStringIndex(s[pos:])
		if loc == nil {
			break
		}
		start, end := pos+loc[0], pos+loc[1]
		if digitBefore(s, start) || digitAfter(s, end) {
			_, size := utf8.DecodeRuneInString(s[start:])
			pos = start + size
			continue
		}
		if done == 0 {
			out.Grow(len(s))
		}
		out.WriteString(s[done:start])
		maskOne(&out, s[start:end])
		done, pos = end, end
	}
	if done == 0 {
		return s
	}
	out.WriteString(s[done:])
	return out.String()
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

func digitBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return i > 0 && isDigit(r)
}

func digitAfter(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return i < len(s) && isDigit(r)
}

// maskOne writes the masked form of one matched number m.
func maskOne(out *strings.Builder, m string) {
	var digits []string // each digit as typed
	var at []int        // its byte offset in m
	for i, r := range m {
		if isDigit(r) {
			digits = append(digits, string(r))
			at = append(at, i)
		}
	}
	core := 0
	if len(digits) == 13 { // 86 + a mobile number: keep the country code
		core = 2
		out.WriteString(m[:at[core]])
	}
	d := digits[core:]
	for _, x := range d[:3] {
		out.WriteString(x)
	}
	out.WriteString(strings.Repeat("*", len(d)-7))
	for _, x := range d[len(d)-4:] {
		out.WriteString(x)
	}
}
