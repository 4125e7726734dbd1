package decisionlog

import "unicode"

// maskRune replaces a masked character.
const maskRune = '*'

// minDigits is the shortest digit run treated as a possible identifier.
const minDigits = 6

// keepDigits is how many trailing characters of a masked run stay readable.
const keepDigits = 4

// maxSeparators is the longest gap of separators a digit run may bridge,
// enough for "(020) 123" or "4111 - 1111".
const maxSeparators = 2

// MaskDigits masks anything in s that could be an identifier, whatever the
// engine already did: every run of at least six digits, counting across
// separators such as spaces, dashes, dots, slashes and parentheses, keeps
// only its last four digits; every letters-and-digits token with at least
// six digits (an IBAN or tax code written without spaces) keeps only its
// last four characters.
func MaskDigits(s string) string {
	if !hasDigits(s, minDigits) {
		return s
	}
	r := []rune(s)
	maskTokens(r)
	maskDigitRuns(r)
	return string(r)
}

// hasDigits reports whether s holds at least n ASCII or Unicode digits.
func hasDigits(s string, n int) bool {
	c := 0
	for _, ch := range s {
		if unicode.IsDigit(ch) {
			c++
			if c >= n {
				return true
			}
		}
	}
	return false
}

// maskTokens masks mixed letter-and-digit tokens holding enough digits.
func maskTokens(r []rune) {
	for i := 0; i < len(r); {
		if !isAlnum(r[i]) {
			i++
			continue
		}
		j, digits, letters := i, 0, 0
		for ; j < len(r) && isAlnum(r[j]); j++ {
			if unicode.IsDigit(r[j]) {
				digits++
			} else {
				letters++
			}
		}
		if digits >= minDigits && letters > 0 {
			for k := i; k < j-keepDigits; k++ {
				r[k] = maskRune
			}
		}
		i = j
	}
}

// maskDigitRuns masks digit runs, bridging short separator gaps.
func maskDigitRuns(r []rune) {
	for i := 0; i < len(r); {
		if !unicode.IsDigit(r[i]) {
			i++
			continue
		}
		end, digits := runEnd(r, i)
		if digits >= minDigits {
			toMask := digits - keepDigits
			for k := i; k < end && toMask > 0; k++ {
				if unicode.IsDigit(r[k]) {
					r[k] = maskRune
					toMask--
				}
			}
		}
		i = end
	}
}

// runEnd returns the end of the digit run starting at r[i] and its digit count.
func runEnd(r []rune, i int) (end, digits int) {
	end = i
	for j := i; j < len(r); {
		if unicode.IsDigit(r[j]) {
			digits++
			j++
			end = j
			continue
		}
		gap := 0
		for j < len(r) && isSeparator(r[j]) && gap <= maxSeparators {
			gap++
			j++
		}
		if gap == 0 || gap > maxSeparators || j >= len(r) || !unicode.IsDigit(r[j]) {
			break
		}
	}
	return end, digits
}

// isAlnum reports whether ch is a letter or a digit.
func isAlnum(ch rune) bool { return unicode.IsLetter(ch) || unicode.IsDigit(ch) }

// isSeparator reports whether ch may sit between the digits of one number.
func isSeparator(ch rune) bool {
	switch ch {
	case ' ', '\u00a0', '\u202f', '\u2009', '-', '\u2010', '\u2011', '\u2013', '.', '/', '(', ')':
		return true
	}
	return false
}
