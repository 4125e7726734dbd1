package textscan

import (
	"slices"
	"testing"
)

func TestInboundKeyword(t *testing.T) {
	lex, err := CompileLexicon(LexiconSpec{
		OptOutKeywords:      Phrases{"en": {"STOP", "OPT OUT"}, "nl": {"STOP"}, "fr": {"ARRÊT"}},
		OptInKeywords:       Phrases{"en": {"START", "STOP"}},
		OptOutConfirmations: map[string]string{"en": "bye"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text  string
		want  string
		optIn bool
	}{
		{"STOP", "STOP", false},
		{"  stop\n", "STOP", false},
		{"Opt   Out", "OPT OUT", false},
		{"arret", "ARRÊT", false},
		{"ＳＴＯＰ", "STOP", false},
		{"start", "START", true},
		{"STOP?", "", false},
		{"stop it", "", false},
		{"opt-out", "OPT OUT", false},
		{"", "", false},
	}
	for _, tt := range tests {
		kw, ok := lex.InboundKeyword(tt.text)
		if ok != (tt.want != "") || kw.Keyword != tt.want || kw.OptIn != tt.optIn {
			t.Errorf("InboundKeyword(%q) = %+v, %v; want %q opt-in=%v", tt.text, kw, ok, tt.want, tt.optIn)
		}
	}
	// STOP is listed as an opt-in too, but an opt-out wins; both languages are kept.
	if kw, _ := lex.InboundKeyword("stop"); !slices.Equal(kw.Languages, []string{"en", "nl"}) {
		t.Errorf("languages of STOP = %v, want [en nl]", kw.Languages)
	}
	if got := lex.Confirmation(false, "en"); got != "bye" {
		t.Errorf("Confirmation(opt-out, en) = %q", got)
	}
	if got := lex.Confirmation(true, "en"); got != "" {
		t.Errorf("Confirmation(opt-in, en) = %q, want none", got)
	}
}

func TestInboundKeywordRefusesBlank(t *testing.T) {
	if _, err := CompileLexicon(LexiconSpec{OptInKeywords: Phrases{"en": {"  "}}}); err == nil {
		t.Fatal("a blank opt-in keyword compiled")
	}
}
