package form

import (
	"strings"
	"testing"
)

// gbWeights are the weights of GB 32100-2015 as its table lists them
// (3^(i−1) mod 31), written out here so that the test does not share the
// implementation's arithmetic.
var gbWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// withCheck completes 17 characters with their check character, computed
// from the standard's table.
func withCheck(t *testing.T, first17 string) string {
	t.Helper()
	sum := 0
	for i, c := range first17 {
		v := strings.IndexRune("0123456789ABCDEFGHJKLMNPQRTUWXY", c)
		if v < 0 || len(first17) != 17 {
			t.Fatalf("withCheck(%q): not 17 characters of the alphabet", first17)
		}
		sum += v * gbWeights[i]
	}
	return first17 + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(31-sum%31)%31])
}

func TestValidCreditCode(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want bool
	}{
		// Codes published as valid examples, and codes built here: a
		// Nanning company (91 450100 …), a social group registered by the
		// civil affairs bureau (51 …), a private non-enterprise unit (52 …)
		// and a public institution (12 …).
		{"published example", "91350100M000100Y43", true},
		{"published example 2", "91230184MA1BUFLT44", true},
		{"published example, letter check character", "92371000MA3MXH0E3W", true},
		{"Nanning company", "91450100MA5L8Y3K2F", true},
		{"social group", "51450100MJ0012345T", true},
		{"private non-enterprise unit", "52450100MJX000001K", true},
		{"public institution, check character D", "12450100000000000D", true},
		{"lower case", "91350100m000100y43", true},
		{"full-width", "９１３５０１００Ｍ０００１００Ｙ４３", true},
		{"surrounding spaces and a line break", "\u300091350100M000100Y43 \n", true},
		// Invalid.
		{"wrong check character", "91350100M000100Y44", false},
		{"transposed characters", "91350100M000010Y43", false},
		{"pilot-era code whose check character the standard does not give", "91350100M0001TGQXM", false},
		{"17 characters", "91350100M000100Y4", false},
		{"19 characters", "91350100M000100Y431", false},
		{"letter O for zero", "91350100M0OO100Y43", false},
		{"letter I", "91350100MI00100Y43", false},
		{"inner space", "913501 00M000100Y43", false},
		{"old 15-digit registration number", "450100000123456", false},
		{"empty", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ValidCreditCode(tc.in); got != tc.want {
				t.Errorf("ValidCreditCode(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// The codes built for the test agree with the standard's table, and so
// does the exported check-character function the fixture generator uses.
func TestCreditCodeCheckChar(t *testing.T) {
	for _, code := range []string{"91350100M000100Y43", "91450100MA5L8Y3K2F", "51450100MJ0012345T", "12450100000000000D", "92371000MA3MXH0E3W"} {
		if got := withCheck(t, code[:17]); got != code {
			t.Errorf("the standard's table gives %s for %s", got, code)
		}
		c, ok := CreditCodeCheckChar(code[:17])
		if !ok || c != code[17] {
			t.Errorf("CreditCodeCheckChar(%q) = %q, %v; want %q", code[:17], c, ok, code[17])
		}
	}
	for _, bad := range []string{"", "91350100M000100Y", "91350100M000100Y43", "91350100M00010OY4", "９1350100M000100Y4"} {
		if _, ok := CreditCodeCheckChar(bad); ok {
			t.Errorf("CreditCodeCheckChar(%q) accepted", bad)
		}
	}
}

func FuzzValidCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91450100MA5L8Y3K2F", "９１３５０１００Ｍ０００１００Ｙ４３", "91350100m000100y43", "", "ß", "91350100M000100Y4\u0130"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidCreditCode(s) {
			return
		}
		n := NormalizeCreditCode(s)
		if len(n) != 18 {
			t.Fatalf("ValidCreditCode(%q): normalized %q is not 18 bytes", s, n)
		}
		if c, ok := CreditCodeCheckChar(n[:17]); !ok || c != n[17] {
			t.Fatalf("ValidCreditCode(%q) but the check character of %q is %q", s, n, c)
		}
		// The check character catches any single wrong 18th character.
		for i := 0; i < len(creditCodeChars); i++ {
			if c := creditCodeChars[i]; c != n[17] && ValidCreditCode(n[:17]+string(c)) {
				t.Fatalf("%s valid with check character %c too", n, c)
			}
		}
	})
}
