package textscan

import (
	"fmt"
	"slices"
	"strings"
)

// InboundKeyword is a whole inbound message recognised as an opt-out or
// opt-in keyword.
type InboundKeyword struct {
	// OptIn is true for an opt-in keyword (START), false for an opt-out (STOP).
	OptIn bool
	// Keyword is the keyword as the lexicon lists it.
	Keyword string
	// Languages are the languages that list it, sorted.
	Languages []string
}

// inboundKeywords maps a keyword, folded and with its spaces collapsed, to
// what it is, and holds the confirmation texts by language.
type inboundKeywords struct {
	byText  map[string]InboundKeyword
	confirm [2]map[string]string // [0] opt-out, [1] opt-in
}

// compile builds the exact-match table from the opt-out and opt-in keyword
// lists. A keyword listed as both is an opt-out: a recipient's stop wins.
func (k *inboundKeywords) compile(spec LexiconSpec) error {
	k.byText = map[string]InboundKeyword{}
	k.confirm = [2]map[string]string{spec.OptOutConfirmations, spec.OptInConfirmations}
	for _, list := range []struct {
		key   string
		optIn bool
		p     Phrases
	}{{"opt_out_keywords", false, spec.OptOutKeywords}, {"opt_in_keywords", true, spec.OptInKeywords}} {
		for _, lang := range sortedKeys(list.p) {
			for i, raw := range list.p[lang] {
				text := inboundText(raw)
				if text == "" {
					return fmt.Errorf("%w: %s.%s[%d]: bad keyword %q", ErrInvalidLexicon, list.key, lang, i, raw)
				}
				kw, ok := k.byText[text]
				switch {
				case !ok:
					kw = InboundKeyword{OptIn: list.optIn, Keyword: strings.TrimSpace(raw)}
				case kw.OptIn && !list.optIn:
					kw = InboundKeyword{Keyword: strings.TrimSpace(raw)}
				case kw.OptIn != list.optIn:
					continue
				}
				if !slices.Contains(kw.Languages, lang) {
					kw.Languages = append(kw.Languages, lang)
					slices.Sort(kw.Languages)
				}
				k.byText[text] = kw
			}
		}
	}
	return nil
}

// inboundText is the form a whole message is compared in: folded (case,
// accents, width, zero-width characters) with its runs of spaces collapsed
// and its ends trimmed. Punctuation stays, so "STOPP?" is a question, not
// the keyword STOPP.
func inboundText(s string) string { return strings.Join(strings.Fields(foldString(s)), " ") }

// InboundKeyword reports whether the whole of text is an opt-out or opt-in
// keyword: trimmed, case- and accent-insensitive, never a keyword inside a
// longer message ("stop sending me offers" is not one, unless the lexicon
// lists it).
func (l *Lexicon) InboundKeyword(text string) (InboundKeyword, bool) {
	kw, ok := l.inbound.byText[inboundText(text)]
	return kw, ok
}

// Confirmation returns the lexicon's confirmation of an opt-in (optIn) or
// opt-out in lang, or "" when it has none in that language.
func (l *Lexicon) Confirmation(optIn bool, lang string) string {
	i := 0
	if optIn {
		i = 1
	}
	return l.inbound.confirm[i][lang]
}
