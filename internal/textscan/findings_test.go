package textscan

import (
	"slices"
	"testing"
)

func TestLanguageCode(t *testing.T) {
	for tag, want := range map[string]string{
		"pt_BR": "pt", "pt-BR": "pt", " PT ": "pt", "en": "en", "e": "e", "": "", "   ": "", "ÉS": "és",
	} {
		if got := LanguageCode(tag); got != want {
			t.Errorf("LanguageCode(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestInLanguageKeepsThatLanguagesPromotions(t *testing.T) {
	f := &Findings{
		Promotions: []Match{
			{Term: "sale", Languages: []string{"en"}},
			{Term: "oferta", Languages: []string{"es", "pt"}},
			{Term: "-20%"},
		},
		Language: "en",
	}
	terms := func(g *Findings) []string {
		var out []string
		for _, p := range g.Promotions {
			out = append(out, p.Term)
		}
		return out
	}
	tests := []struct {
		code, language string
		want           []string
	}{
		{"es", "es", []string{"oferta", "-20%"}},
		{"en", "en", []string{"sale", "-20%"}},
		{"fr", "fr", []string{"-20%"}},
		{"", "en", []string{"sale", "-20%"}}, // the text's own language
	}
	for _, tt := range tests {
		g := f.InLanguage(tt.code)
		if g.Language != tt.language || !slices.Equal(terms(g), tt.want) {
			t.Errorf("InLanguage(%q) = %q %v, want %q %v", tt.code, g.Language, terms(g), tt.language, tt.want)
		}
	}
	if len(f.Promotions) != 3 || f.Language != "en" {
		t.Errorf("InLanguage changed its receiver: %+v", f)
	}
	unknown := (&Findings{Promotions: f.Promotions}).InLanguage("")
	if unknown.Language != "" || len(unknown.Promotions) != 3 {
		t.Errorf("with no language every promotion counts: %+v", unknown)
	}
}

func TestMentionsAny(t *testing.T) {
	tests := []struct {
		text  string
		names []string
		want  bool
	}{
		{"Yes, updates from Café Zoë on WhatsApp", []string{"cafe zoe"}, true},
		{"I agree to receiving offers", []string{"ING"}, false},
		{"I agree to offers from ING", []string{"ING"}, true},
		{"Updates on whats app", []string{"whatsapp", "whats app"}, true},
		{"Updates by SMS", []string{"whatsapp", "whats app"}, false},
		{"Updates by SMS", []string{"  "}, false},
		{"Updates by SMS", nil, false},
	}
	for _, tt := range tests {
		if got := MentionsAny(tt.text, tt.names...); got != tt.want {
			t.Errorf("MentionsAny(%q, %q) = %v, want %v", tt.text, tt.names, got, tt.want)
		}
	}
}
