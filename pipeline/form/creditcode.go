package form

import (
	"strings"
	"unicode/utf8"
)

// creditCodeChars are the characters of a unified social credit code
// (统一社会信用代码, GB 32100-2015), valued 0–30 in this order: the digits,
// then the capital letters without I, O, S, V and Z.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeLen is a code's length, its check character included.
const creditCodeLen = 18

// creditProblem is why a credit code is invalid; each has its own message,
// so that the clerk knows whether a character is missing or mistyped.
type creditProblem uint8

const (
	creditOK     creditProblem = iota
	creditLength               // not 18 characters
	creditChars                // a character outside creditCodeChars (I, O, S, V, Z, punctuation…)
	creditCheck                // the 18th is not the check character of the first 17
)

// NormalizeCreditCode is a credit code as it is checked and compared:
// trimmed, full-width characters turned half-width, upper-cased.
func NormalizeCreditCode(s string) string { return strings.ToUpper(clean(s)) }

// ValidCreditCode reports whether s, normalized (NormalizeCreditCode), is a
// unified social credit code of GB 32100-2015: 18 characters of the code's
// alphabet whose 18th is the check character of the first 17.
func ValidCreditCode(s string) bool {
	_, p := checkCreditCode(s)
	return p == creditOK
}

// checkCreditCode normalizes s and says what is wrong with it, if anything.
func checkCreditCode(s string) (code string, p creditProblem) {
	code = NormalizeCreditCode(s)
	if utf8.RuneCountInString(code) != creditCodeLen {
		return code, creditLength
	}
	for i := 0; i < len(code); i++ {
		if strings.IndexByte(creditCodeChars, code[i]) < 0 {
			return code, creditChars
		}
	}
	if c, _ := CreditCodeCheckChar(code[:creditCodeLen-1]); c != code[creditCodeLen-1] {
		return code, creditCheck
	}
	return code, creditOK
}

// CreditCodeCheckChar returns the check character of a credit code's first
// 17 characters: with each character valued by its place in the alphabet
// (0–9, A–H, J–N, P–R, T, U, W–Y → 0–30) and the weights wᵢ = 3^(i−1) mod 31,
// the character valued (31 − Σ vᵢ·wᵢ mod 31) mod 31. ok is false when
// first17 is not 17 characters of the alphabet. The fixture generator
// writes valid codes with it.
func CreditCodeCheckChar(first17 string) (check byte, ok bool) {
	if len(first17) != creditCodeLen-1 {
		return 0, false
	}
	sum, w := 0, 1
	for i := 0; i < len(first17); i++ {
		v := strings.IndexByte(creditCodeChars, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * w
		w = w * 3 % 31
	}
	return creditCodeChars[(31-sum%31)%31], true
}
