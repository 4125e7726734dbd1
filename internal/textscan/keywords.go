package textscan

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsOptOutKeyword reports whether s, trimmed and folded, is an opt-out keyword
// (or a short text starting with one), as a quick-reply button would say it.
func (l *Lexicon) IsOptOutKeyword(s string) bool {
	const maxRunes, maxExtraWords = 30, 3
	f := trimKeyword(foldString(s))
	if f == "" {
		return false
	}
	if l.optOut[f] {
		return true
	}
	if utf8.RuneCountInString(f) > maxRunes {
		return false
	}
	words := strings.Fields(f)
	for n := min(l.maxOptOutWords, len(words)-1); n >= 1; n-- {
		if len(words)-n <= maxExtraWords && l.optOut[strings.Join(words[:n], " ")] {
			return true
		}
	}
	return false
}

// trimKeyword reduces a folded text to its words separated by single
// spaces, so "STOP!", " stop. " and "opt-out" compare as keywords.
func trimKeyword(f string) string {
	return strings.Join(strings.FieldsFunc(f, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}
