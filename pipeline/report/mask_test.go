package report

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestMaskPhones(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"no digits", "联系电话不对", "联系电话不对"},
		{"mobile", "13812345678", "138****5678"},
		{"mobile in text", "请改为13812345678这样的号码", "请改为138****5678这样的号码"},
		{"mobile in quotes", "联系电话“13812345678x”不对", "联系电话“138****5678x”不对"},
		{"mobile grouped by dashes", "138-1234-5678", "138****5678"},
		{"mobile grouped by spaces", "138 1234 5678", "138****5678"},
		{"mobile with +86", "+8613812345678", "+86138****5678"},
		{"mobile with +86 and space", "+86 13812345678", "+86 138****5678"},
		{"mobile with 86", "8613812345678", "86138****5678"},
		{"full-width digits", "１３８１２３４５６７８", "１３８****５６７８"},
		{"landline with dash", "0771-5551234", "077****1234"},
		{"landline without dash", "07715551234", "077****1234"},
		{"landline 3-digit area, 8 digits", "010-12345678", "010****5678"},
		{"landline 12 digits", "075512345678", "075*****5678"},
		{"two numbers", "13812345678，0771-5551234", "138****5678，077****1234"},
		{"two numbers by a space", "0771 5551234 13812345678", "077****1234 138****5678"},
		{"ten digits starting with 1 is not a mobile", "1381234567", "1381234567"},
		{"twelve digits starting with 1 is not a mobile", "138123456789", "138123456789"},
		{"registry code", "450109100201", "450109100201"},
		{"ID number", "450109199001011234", "450109199001011234"},
		{"date", "2021-03-05", "2021-03-05"},
		{"request id", "LX001", "LX001"},
		{"already masked", "138****5678", "138****5678"},
		{"invalid UTF-8 around", "\xff13812345678\xfe", "\xff138****5678\xfe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskPhones(tt.in); got != tt.want {
				t.Errorf("MaskPhones(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := maskPhonesBySearch(tt.in); got != tt.want {
				t.Errorf("maskPhonesBySearch(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzMaskPhones: masking never panics, keeps valid text valid, never
// lengthens the text, is idempotent, and leaves no mobile number of the
// input visible.
func FuzzMaskPhones(f *testing.F) {
	for _, s := range []string{"13812345678", "0771-5551234", "+86 138 1234 5678", "450109100201", "１３８１２３４５６７８", "a1b2",
		"+８６13812345678", "8６13812345678", "013812345678", "1138123456780771-5551234", "0771－5551234", "１3８-1234 5678x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := MaskPhones(s)
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("MaskPhones(%q) = %q: invalid UTF-8", s, got)
		}
		if len(got) > len(s) {
			t.Fatalf("MaskPhones(%q) = %q: longer", s, got)
		}
		// Masking a masked text may hide more (a run of digits that only
		// now stands alone) but never shows a digit again.
		if again := MaskPhones(got); countDigits(again) > countDigits(got) {
			t.Fatalf("MaskPhones(%q) = %q, then %q: shows more digits", s, got, again)
		}
		if want := maskPhonesBySearch(s); got != want {
			t.Fatalf("MaskPhones(%q) = %q, the unanchored search gives %q", s, got, want)
		}
		if !strings.ContainsAny(s, "0123456789０１２３４５６７８９") && got != s {
			t.Fatalf("MaskPhones(%q) = %q: changed a text without digits", s, got)
		}
		for _, loc := range phonePattern.FindAllStringIndex(got, -1) {
			if !digitBefore(got, loc[0]) && !digitAfter(got, loc[1]) {
				t.Fatalf("MaskPhones(%q) = %q: %q still visible", s, got, got[loc[0]:loc[1]])
			}
		}
	})
}

// maskPhonesBySearch is MaskPhones as it was before it tried the pattern
// only where a number can start: the reference its results must equal.
func maskPhonesBySearch(s string) string {
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

func BenchmarkMaskPhones(b *testing.B) {
	for _, s := range []string{"联系电话“1381234567”少一位，请改为13812345678这样的号码", "评价“很好”不是可选项", "2021年13月"} {
		b.Run(s, func(b *testing.B) {
			for b.Loop() {
				MaskPhones(s)
			}
		})
		b.Run("search/"+s, func(b *testing.B) {
			for b.Loop() {
				maskPhonesBySearch(s)
			}
		})
	}
}

func TestSortIssues(t *testing.T) {
	in := []Issue{
		{Sheet: "点单台账", Cell: "F10", Code: "a"},
		{Sheet: "点单台账", Cell: "AA3", Code: "b"},
		{Sheet: "基本信息", Cell: "B7", Code: "c"},
		{Sheet: "点单台账", Cell: "F9", Code: "d"},
		{Sheet: "点单台账", Cell: "", Code: "e"},
		{Sheet: "", Cell: "", Code: "f"},
		{Sheet: "点单台账", Cell: "F9", Code: "g"},
		{Sheet: "点单台账", Cell: "G2", Code: "h"},
	}
	SortIssues(in)
	var got []string
	for _, is := range in {
		got = append(got, is.Code)
	}
	if want := "f c e d g a h b"; strings.Join(got, " ") != want {
		t.Errorf("order %q, want %q (sheet, then column letters, then row; reader's order among equals)", strings.Join(got, " "), want)
	}
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}
