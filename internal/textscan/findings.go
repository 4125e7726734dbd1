// Package textscan analyses a message text once, in Go, and reports
// structured findings (identifiers, request cues, promotions, passcodes,
// opt-out instructions) for the Rego policies to decide on.
//
// The words come from the policy bundle (data.sendgate.lexicon, see
// LexiconSpec), so a policy author adds a phrase or a language without
// touching Go. CompileLexicon folds them once per bundle into one
// Aho–Corasick automaton; Analyze then folds the text (Normalize), splits it
// into clauses, runs the automaton once, scans digits with hand-written
// loops and checksums, and applies the asking rule clause by clause. Spans
// in the findings are rune offsets into the text as the caller passed it.
package textscan

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Span is a half-open range [Start, End) of rune offsets into the original
// text as the caller passed it (before normalisation).
type Span struct {
	Start int
	End   int
}

// Identifier is a full sensitive identifier disclosed in the text whose
// format and checksum both hold.
type Identifier struct {
	// Type is the identifier family: "payment_card", "bank_account" or "national_id".
	Type string
	// Scheme names the exact kind: "visa", "mastercard", "amex", "iban",
	// "nl_bsn", "us_ssn", "uk_nino", "de_steuer_id", "es_dni", "es_nie",
	// "it_codice_fiscale", "be_national_number", "fr_nir", "br_cpf",
	// "pt_nif", "in_aadhaar", ...
	Scheme string
	// Masked is the identifier with all but its last four characters
	// masked (an IBAN keeps its country code): "**** **** **** 1111",
	// "BE** **** **** 7034".
	Masked string
	// Compact is an IBAN as one upper-case word ("NL91ABNA0417164300"),
	// for comparing with a business's own accounts; empty for other schemes.
	Compact string
	Span
}

// Request is a clause that asks the recipient to share an identifier or a
// copy of a document.
type Request struct {
	// Type is "payment_card", "bank_account", "national_id" or "document".
	Type string
	// Cue is the request cue or capture verb as listed in the lexicon,
	// e.g. "please provide" or "kunt u ... doorgeven".
	Cue string
	// Noun is the identifier or document noun as listed in the lexicon, e.g. "card number".
	Noun string
	// Evidence is the clause that asks, with any identifier in it masked.
	Evidence string
	// Span covers the clause that asks.
	Span
}

// Match is a lexicon phrase or pattern found in the text.
type Match struct {
	// Kind says what was found, e.g. "promotion", "passcode", "notice",
	// "partial", "opt_out_instruction".
	Kind string
	// Term is the phrase as listed in the lexicon, or a masked value for
	// passcodes.
	Term string
	// Excerpt is the matched part of the text as the caller passed it; it
	// is set for promotions, which the policies quote as evidence.
	Excerpt string
	// Languages are the lexicon languages whose lists hold the phrase (set
	// for promotions); none means it is a signal in any language ("-20%").
	Languages []string
	Span
}

// Findings is everything the analysis found in one text. Empty lists are
// nil; every list is in text order.
type Findings struct {
	Identifiers        []Identifier
	Requests           []Request
	Promotions         []Match
	Passcodes          []Match
	OptOutInstructions []Match
	// Notices are negation or safety notices ("we will never ask ..."); a
	// noun they govern does not count as requested.
	Notices []Match
	// Partials are masked or partial references ("card ending 1234",
	// "**** 1234"); they disclose nothing and make a noun partial.
	Partials []Match
	// Language is the lexicon language the text's words point to, worked
	// out when it has promotions (so that a policy can count only those in
	// the message's own language); "" when unknown or not needed. In
	// findings read for a message's language (InLanguage) it is that
	// language.
	Language string
}

// LanguageCode is the language of a language tag: its first two letters,
// lower-cased, after trimming blanks ("pt_BR", "pt-BR" and " PT" are
// "pt"); "" for a blank tag.
func LanguageCode(tag string) string {
	tag = strings.TrimSpace(tag)
	n := 0
	for i := range tag {
		if n == 2 {
			tag = tag[:i]
			break
		}
		n++
	}
	for i := 0; i < len(tag); i++ {
		if c := tag[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return strings.ToLower(tag)
		}
	}
	return tag
}

// InLanguage returns the findings as read in a message of the given
// language code (see LanguageCode), or in the language the text's words
// point to when the code is "": Language is that language, and Promotions
// holds only the promotional signals of that language and those of no
// particular language ("-20%"); every signal counts when the language is
// unknown. A Spanish "sale" departs; it is no English sale. f is not
// changed.
func (f *Findings) InLanguage(code string) *Findings {
	if code == "" {
		code = f.Language
	}
	out := *f
	out.Language = code
	if code == "" || len(f.Promotions) == 0 {
		return &out
	}
	keep := 0
	for _, p := range f.Promotions {
		if p.inLanguage(code) {
			keep++
		}
	}
	if keep == len(f.Promotions) {
		return &out
	}
	out.Promotions = nil
	if keep > 0 {
		out.Promotions = make([]Match, 0, keep)
		for _, p := range f.Promotions {
			if p.inLanguage(code) {
				out.Promotions = append(out.Promotions, p)
			}
		}
	}
	return &out
}

// inLanguage reports whether a promotion counts in a message of language code.
func (m *Match) inLanguage(code string) bool {
	return len(m.Languages) == 0 || slices.Contains(m.Languages, code)
}
