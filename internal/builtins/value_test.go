package builtins_test

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/sendgate/sendgate/internal/builtins"
	"github.com/sendgate/sendgate/internal/textscan"
)

// plainFindingsValue is the findings object built the obvious way, through
// Go maps, for comparison with FindingsValue's economical one.
func plainFindingsValue(t *testing.T, f *textscan.Findings) ast.Value {
	t.Helper()
	matches := func(ms []textscan.Match, excerpt bool) []any {
		out := []any{}
		for _, m := range ms {
			o := map[string]any{"kind": m.Kind, "term": m.Term, "start": m.Start, "end": m.End}
			if excerpt {
				o["excerpt"] = m.Excerpt
				o["languages"] = append([]string{}, m.Languages...)
			}
			out = append(out, o)
		}
		return out
	}
	ids := []any{}
	for _, id := range f.Identifiers {
		o := map[string]any{"type": id.Type, "scheme": id.Scheme, "masked": id.Masked, "start": id.Start, "end": id.End}
		if id.Compact != "" {
			o["compact"] = id.Compact
		}
		ids = append(ids, o)
	}
	reqs := []any{}
	for _, r := range f.Requests {
		reqs = append(reqs, map[string]any{"type": r.Type, "cue": r.Cue, "noun": r.Noun, "evidence": r.Evidence, "start": r.Start, "end": r.End})
	}
	v, err := ast.InterfaceToValue(map[string]any{
		"identifiers":          ids,
		"requests":             reqs,
		"promotions":           matches(f.Promotions, true),
		"passcodes":            matches(f.Passcodes, false),
		"opt_out_instructions": matches(f.OptOutInstructions, false),
		"notices":              matches(f.Notices, false),
		"partials":             matches(f.Partials, false),
		"language":             f.Language,
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFindingsValueMirrorsTheFindings(t *testing.T) {
	long := "Our winter sale starts today: 30% off all boots! "
	for len(long) < 3000 {
		long += "Save 20% on sneakers, buy one get one free. "
	}
	long += "Reply STOP to unsubscribe. Card 4111 1111 1111 1111, code 482913."
	findings := []*textscan.Findings{
		nil,
		{},
		{
			Identifiers: []textscan.Identifier{{Type: "payment_card", Scheme: "visa", Masked: "**** 1111", Span: textscan.Span{Start: 600, End: 619}}},
			Requests:    []textscan.Request{{Type: "national_id", Cue: "send us", Noun: "bsn", Evidence: "send us your BSN", Span: textscan.Span{Start: 3, End: 4096}}},
			Promotions:  []textscan.Match{{Kind: "promotion", Term: "% off", Excerpt: "% OFF", Span: textscan.Span{Start: 511, End: 512}}},
			Passcodes:   []textscan.Match{{Kind: "passcode", Term: "******", Span: textscan.Span{Start: 0, End: 6}}},
			Partials:    []textscan.Match{{Kind: "partial", Term: "", Span: textscan.Span{Start: 5000, End: 5004}}},
		},
		promoLexicon(t).Analyze(long),
	}
	if last := findings[3].Promotions; len(last) < 10 || last[len(last)-1].Start < 2000 {
		t.Fatalf("the long text should hold promotions far into it, found %+v", last)
	}
	for i, f := range findings {
		want := plainFindingsValue(t, orEmpty(f))
		if got := builtins.FindingsValue(f); ast.Compare(got, want) != 0 {
			t.Errorf("findings %d:\n got %v\nwant %v", i, got, want)
		}
	}
}

func orEmpty(f *textscan.Findings) *textscan.Findings {
	if f == nil {
		return &textscan.Findings{}
	}
	return f
}

func promoLexicon(t *testing.T) *textscan.Lexicon {
	t.Helper()
	lex, err := textscan.CompileLexicon(textscan.LexiconSpec{
		Promotional:        textscan.Phrases{"en": {"sale", "buy one get one free"}},
		PercentOffWords:    textscan.Phrases{"en": {"off"}},
		PasscodeCues:       textscan.Phrases{"en": {"code"}},
		OptOutInstructions: textscan.Phrases{"en": {"reply stop"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return lex
}
