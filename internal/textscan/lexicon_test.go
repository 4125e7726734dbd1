package textscan

import (
	"errors"
	"testing"
)

func TestCompileLexiconRejectsBadSpecs(t *testing.T) {
	tests := []struct {
		name string
		spec LexiconSpec
	}{
		{"empty_phrase", LexiconSpec{RequestCues: Phrases{"en": {"  "}}}},
		{"leading_gap", LexiconSpec{RequestCues: Phrases{"en": {"... doorgeven"}}}},
		{"trailing_gap", LexiconSpec{RequestCues: Phrases{"nl": {"graag uw ..."}}}},
		{"unknown_identifier_type", LexiconSpec{IdentifierNouns: map[string]Phrases{"passport": {"en": {"passport"}}}}},
		{"unknown_context_scheme", LexiconSpec{IdentifierContext: map[string][]string{"xx_id": {"id"}}}},
		{"empty_keyword", LexiconSpec{RequestCues: Phrases{"en": {"send"}}, OptOutKeywords: Phrases{"en": {"!!"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := CompileLexicon(tt.spec)
			if err == nil || !errors.Is(err, ErrInvalidLexicon) {
				t.Errorf("CompileLexicon = %v, %v; want ErrInvalidLexicon", l, err)
			}
		})
	}
}

func TestEmptyLexiconStillFindsIdentifiers(t *testing.T) {
	// A bundle without data.sendgate.lexicon still gets checksummed
	// identifiers; only the phrase-based findings need the lexicon.
	l, err := CompileLexicon(LexiconSpec{})
	if err != nil {
		t.Fatal(err)
	}
	f := l.Analyze("Card 4111 1111 1111 1111, please send us your IBAN")
	if len(f.Identifiers) != 1 || f.Requests != nil {
		t.Errorf("findings = %+v", f)
	}
	if l.IsOptOutKeyword("STOP") {
		t.Error("empty lexicon knows STOP")
	}
}

func TestCompileLexiconAcceptsNewLanguage(t *testing.T) {
	// A policy author adds Italian without touching Go.
	l, err := CompileLexicon(LexiconSpec{
		RequestCues:     Phrases{"it": {"inviaci il tuo", "ci ... comunichi"}},
		IdentifierNouns: map[string]Phrases{"payment_card": {"it": {"numero della carta"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Inviaci il tuo numero della carta.", "Ci può comunichi il numero della carta?"} {
		if f := l.Analyze(text); len(f.Requests) != 1 || f.Requests[0].Type != "payment_card" {
			t.Errorf("Analyze(%q) requests = %+v", text, f.Requests)
		}
	}
}

func TestShippedLexiconCoversEveryKey(t *testing.T) {
	l := shippedLexicon(t)
	counts := map[kind]int{}
	for _, ph := range l.phrases {
		counts[ph.kind]++
	}
	for k := kindCue; k <= kindContext; k++ {
		if counts[k] == 0 {
			t.Errorf("no phrases of kind %d in the shipped lexicon", k)
		}
	}
	if len(l.optOut) == 0 {
		t.Error("no opt-out keywords in the shipped lexicon")
	}
}

func TestEverySchemeHasABit(t *testing.T) {
	seen := uint32(0)
	for scheme := range schemeTypes {
		bit := schemeBits[scheme]
		if bit == 0 || seen&bit != 0 {
			t.Fatalf("scheme %s has bit %#x (seen %#x)", scheme, bit, seen)
		}
		seen |= bit
	}
}

func TestParseLexiconSpecRejectsUnknownKeys(t *testing.T) {
	_, err := ParseLexiconSpec([]byte(`{"request_cue": {"en": ["send us your"]}}`))
	if !errors.Is(err, ErrInvalidLexicon) {
		t.Errorf("ParseLexiconSpec = %v, want ErrInvalidLexicon", err)
	}
	spec, err := ParseLexiconSpec([]byte(`{"request_cues": {"en": ["send us your"]}}`))
	if err != nil || len(spec.RequestCues["en"]) != 1 {
		t.Errorf("ParseLexiconSpec = %+v, %v", spec, err)
	}
}

func TestCliticsExtendOneWordAskVerbsOfTheirLanguage(t *testing.T) {
	spec := LexiconSpec{
		AskVerbs:        Phrases{"es": {"escriba", "por favor envíe"}, "en": {"send"}},
		Clitics:         Phrases{"es": {"nos"}},
		IdentifierNouns: map[string]Phrases{"national_id": {"es": {"dni"}}},
	}
	l, err := CompileLexicon(spec)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want int
	}{
		{"Escríbanos su DNI.", 1},
		{"Escriba su DNI.", 1},
		{"Por favor envíenos su DNI.", 0}, // only one-word verbs take clitics
		{"Sendnos your DNI.", 0},          // only the verbs of the clitics' language
	}
	for _, tt := range tests {
		if got := len(l.Analyze(tt.text).Requests); got != tt.want {
			t.Errorf("%q: %d requests, want %d", tt.text, got, tt.want)
		}
	}
}

func TestAccentedWordClassWordsMatchOnlyAccentedWords(t *testing.T) {
	spec := LexiconSpec{
		AskVerbs:        Phrases{"pt": {"informe"}},
		IdentifierNouns: map[string]Phrases{"national_id": {"pt": {"nif"}}},
		WordClasses:     map[string][]string{"copulas": {"é"}},
	}
	l, err := CompileLexicon(spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(l.Analyze("Informe o seu NIF e a data de nascimento.").Requests); got != 1 {
		t.Errorf("\"e\" (and) read as the copula \"é\": %d requests, want 1", got)
	}
	if got := len(l.Analyze("Informe se o seu NIF é o correto.").Requests); got != 0 {
		t.Errorf("\"é\" not read as a copula: %d requests, want 0", got)
	}
}
