// Package leakcheck finds sensitive values (phone numbers, card numbers,
// IBANs, national IDs) in logs and metrics output, in whatever spacing or
// case they were written.
package leakcheck

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// minDigits is the fewest digits a needle needs for its digit forms to be searched.
const minDigits = 6

// minNational is the fewest digits left when a country code is dropped from a phone number.
const minNational = 9

// Leak is one needle found in a haystack.
type Leak struct {
	// Needle is the value as given.
	Needle string
	// Form is the form of it that matched, e.g. its digits alone.
	Form string
	// Offset is the byte offset in the haystack where the match starts.
	Offset int
}

// Find returns every needle that occurs in haystack: verbatim (ignoring
// case), or written with other spacing, dashes, dots or slashes, or, for
// an international phone number, without its country code.
func Find(haystack string, needles []string) []Leak {
	lower := strings.ToLower(haystack)
	packed, offsets := compact(haystack)
	var leaks []Leak
	for _, n := range needles {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if i := strings.Index(lower, strings.ToLower(n)); i >= 0 {
			leaks = append(leaks, Leak{Needle: n, Form: n, Offset: i})
			continue
		}
		for _, f := range forms(n) {
			if i := strings.Index(packed, f); i >= 0 {
				leaks = append(leaks, Leak{Needle: n, Form: f, Offset: offsets[i]})
				break
			}
		}
	}
	return leaks
}

// AssertNoLeak fails t once for each needle found in haystack, showing
// where, but never prints the haystack whole.
func AssertNoLeak(t testing.TB, haystack string, needles []string) {
	t.Helper()
	for _, l := range Find(haystack, needles) {
		t.Errorf("leak: %q (as %q) at offset %d: …%s…", l.Needle, l.Form, l.Offset, context(haystack, l.Offset))
	}
}

// forms returns the packed forms of a needle worth searching for.
func forms(n string) []string {
	packed, _ := compact(n)
	digits := onlyDigits(packed)
	if len(digits) < minDigits {
		return nil
	}
	out := []string{packed}
	if digits != packed {
		out = append(out, digits)
	}
	if strings.HasPrefix(n, "+") {
		for cc := 1; cc <= 3 && len(digits)-cc >= minNational; cc++ {
			out = append(out, digits[cc:])
		}
	}
	return out
}

// compact upper-cases s and drops separators, returning the byte offset in
// s of each byte of the result.
func compact(s string) (string, []int) {
	var b strings.Builder
	offsets := make([]int, 0, len(s))
	for i, r := range s {
		if isSeparator(r) {
			continue
		}
		u := unicode.ToUpper(r)
		n := utf8.RuneLen(u)
		if n < 0 {
			n = 1
		}
		b.WriteRune(u)
		for range n {
			offsets = append(offsets, i)
		}
	}
	return b.String(), offsets
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isSeparator reports whether r is spacing or punctuation people put inside numbers.
func isSeparator(r rune) bool {
	switch r {
	case ' ', '\u00a0', '\u202f', '\u2009', '-', '\u2010', '\u2011', '\u2013', '.', '/', '(', ')', '+':
		return true
	}
	return false
}

// context returns a few masked characters around a match for the failure message.
func context(s string, at int) string {
	lo, hi := max(0, at-20), min(len(s), at+20)
	for lo > 0 && !utf8.RuneStart(s[lo]) {
		lo--
	}
	for hi < len(s) && !utf8.RuneStart(s[hi]) {
		hi++
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return '#'
		}
		return r
	}, s[lo:hi])
}
