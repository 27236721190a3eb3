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

// anchoredPhone is phonePattern matched at the start of the text only.
var anchoredPhone = regexp.MustCompile(`^(?:` + phonePattern.String() + `)`)

// MaskPhones replaces every phone number in s (a mobile number of 11 digits
// starting with 1, or a landline such as 0771-5551234 or 07715551234) by its
// first 3 and last 4 digits with one '*' per hidden digit: 13812345678 →
// 138****5678, 0771-5551234 → 077****1234. A +86 prefix is kept. A run of
// digits that is part of a longer number (a registry code, an ID number) is
// not a phone number and is left alone.
//
// It finds the leftmost match as phonePattern would, but tries the pattern
// only where a number can start, anchored: the unanchored search tried it at
// every byte, and the feedback digests of every nightly run mask every issue.
func MaskPhones(s string) string {
	if !mayHavePhone(s) {
		return s
	}
	var out strings.Builder
	done, pos := 0, 0
	for pos < len(s) {
		start, end := nextPhone(s, pos)
		if start < 0 {
			break
		}
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

// nextPhone is the leftmost match of phonePattern in s at or after pos
// (byte offsets), or -1, -1. A match starts with '+', '8', '1' or '0'
// (half or full width).
func nextPhone(s string, pos int) (int, int) {
	for p := pos; p < len(s); {
		r, size := utf8.DecodeRuneInString(s[p:])
		switch r {
		case '+', '8', '1', '0', '１', '０':
			if loc := anchoredPhone.FindStringIndex(s[p:]); loc != nil {
				return p, p + loc[1]
			}
		}
		p += size
	}
	return -1, -1
}

// mayHavePhone: s has a run of digits, dashes, spaces and '+' with at least
// 10 digits, as every match of phonePattern is (a landline has 10 or more,
// a mobile number 11).
func mayHavePhone(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case isDigit(r):
			n++
			if n >= 10 {
				return true
			}
		case r == '-' || r == '－' || r == ' ' || r == '+':
		default:
			n = 0
		}
	}
	return false
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

// maskOne writes the masked form of one matched number m, which has at
// most 13 digits (86 and a mobile number).
func maskOne(out *strings.Builder, m string) {
	var at, size [16]int // each digit's byte offset in m and its length as typed
	n := 0
	for i, r := range m {
		if isDigit(r) && n < len(at) {
			at[n], size[n] = i, utf8.RuneLen(r)
			n++
		}
	}
	digit := func(i int) string { return m[at[i] : at[i]+size[i]] }
	core := 0
	if n == 13 { // 86 + a mobile number: keep the country code
		core = 2
		out.WriteString(m[:at[core]])
	}
	for i := core; i < core+3; i++ {
		out.WriteString(digit(i))
	}
	out.WriteString(strings.Repeat("*", n-core-7))
	for i := n - 4; i < n; i++ {
		out.WriteString(digit(i))
	}
}
