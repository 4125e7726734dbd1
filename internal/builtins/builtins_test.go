package builtins_test

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/sendgate/sendgate/internal/builtins"
	"github.com/sendgate/sendgate/internal/textscan"
)

func lexicon(t *testing.T) *textscan.Lexicon {
	t.Helper()
	spec := textscan.LexiconSpec{
		OptOutKeywords:  textscan.Phrases{"en": {"stop"}},
		Promotional:     textscan.Phrases{"en": {"buy now", "sale"}, "es": {"oferta"}},
		LanguageMarkers: textscan.Phrases{"en": {"summer"}, "es": {"el", "vuelo"}},
	}
	lex, err := textscan.CompileLexicon(spec)
	if err != nil {
		t.Fatal(err)
	}
	return lex
}

func eval(t *testing.T, set *builtins.Set, query string) any {
	t.Helper()
	opts := append(set.RegoOptions(), rego.Query(query), rego.StrictBuiltinErrors(true))
	rs, err := rego.New(opts...).Eval(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if len(rs) != 1 {
		t.Fatalf("%s: %d results", query, len(rs))
	}
	return rs[0].Expressions[0].Value
}

func TestAnalyzeFromRego(t *testing.T) {
	set := builtins.New(lexicon(t))
	got := eval(t, set, `sendgate.text.analyze("We charged 4111 1111 1111 1111 today.", "")`)
	obj, ok := got.(map[string]any)
	if !ok {
		t.Fatalf("analyze returned %T", got)
	}
	for _, k := range []string{"identifiers", "requests", "promotions", "passcodes", "opt_out_instructions", "notices", "partials", "language"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("findings lack %q: %v", k, obj)
		}
	}
	ids, _ := obj["identifiers"].([]any)
	if len(ids) != 1 {
		t.Fatalf("identifiers = %v, want the card", obj["identifiers"])
	}
	id := ids[0].(map[string]any)
	if id["type"] != "payment_card" || id["masked"] == "4111 1111 1111 1111" {
		t.Fatalf("identifier = %v, want a masked payment card", id)
	}
}

func TestAnalyzeCachesByTextAndLanguage(t *testing.T) {
	set := builtins.New(lexicon(t))
	a := set.Analyze("Your order has shipped.", "en")
	b := set.Analyze("Your order has shipped.", "en")
	if a.Compare(b) != 0 {
		t.Fatal("same text, different findings")
	}
	if c := set.Analyze("Other text 4111 1111 1111 1111", "en"); c.Compare(a) == 0 {
		t.Fatal("different texts share findings")
	}
	en := set.Analyze("Big sale today, buy now!", "en_GB")
	es := set.Analyze("Big sale today, buy now!", "es")
	if en.Compare(es) == 0 {
		t.Fatal("the same text in two languages shares findings")
	}
}

// The findings are read in the declared language: promotions of other
// languages drop out, and findings.language says which language it was.
func TestAnalyzeKeepsPromotionsOfTheDeclaredLanguage(t *testing.T) {
	set := builtins.New(lexicon(t))
	for _, plain := range []bool{false, true} {
		s := set
		if plain {
			s = builtins.NewPlain(lexicon(t))
		}
		tests := []struct {
			text, tag, language string
			promotions          int
		}{
			{"El vuelo sale a las 9:00.", "es", "es", 0},
			{"El vuelo sale a las 9:00.", " ES_es", "es", 0},
			{"Summer sale: buy now!", "en-US", "en", 2},
			{"Oferta: buy now!", "es", "es", 1},
			{"Summer sale: buy now!", "", "en", 2}, // the words tell
			{"Summer sale: buy now!", "fr", "fr", 0},
		}
		for _, tt := range tests {
			obj := s.Analyze(tt.text, tt.tag).(ast.Object)
			if got := obj.Get(ast.StringTerm("language")).Value; got.Compare(ast.String(tt.language)) != 0 {
				t.Errorf("plain=%v %q in %q: language %v, want %q", plain, tt.text, tt.tag, got, tt.language)
			}
			if got := obj.Get(ast.StringTerm("promotions")).Value.(*ast.Array).Len(); got != tt.promotions {
				t.Errorf("plain=%v %q in %q: %d promotions, want %d", plain, tt.text, tt.tag, got, tt.promotions)
			}
		}
	}
}

func TestMentionsNamesOrAList(t *testing.T) {
	set := builtins.New(lexicon(t))
	tests := []struct {
		query string
		want  bool
	}{
		{`sendgate.text.mentions("Yes to updates from Café Zoë on WhatsApp", "cafe zoe")`, true},
		{`sendgate.text.mentions("I agree to receiving offers", "ING")`, false},
		{`sendgate.text.mentions("Updates on Whats App, please", ["whatsapp", "whats app"])`, true},
		{`sendgate.text.mentions("Updates by SMS", ["whatsapp", "whats app"])`, false},
		{`sendgate.text.mentions("Updates by SMS", [])`, false},
	}
	for _, tt := range tests {
		if got := eval(t, set, tt.query); got != tt.want {
			t.Errorf("%s = %v, want %v", tt.query, got, tt.want)
		}
	}
	opts := append(set.RegoOptions(), rego.Query(`x := sendgate.text.mentions("text", input.names)`), rego.StrictBuiltinErrors(true))
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pq.Eval(context.Background(), rego.EvalParsedInput(ast.MustParseTerm(`{"names": ["a", 1]}`).Value)); err == nil {
		t.Fatal("mentions with a number among the names succeeded; want an error")
	}
}

func TestTypeErrorsFailClosed(t *testing.T) {
	set := builtins.New(lexicon(t))
	opts := append(set.RegoOptions(), rego.Query(`x := sendgate.text.analyze(input.n, "")`), rego.StrictBuiltinErrors(true))
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pq.Eval(context.Background(), rego.EvalParsedInput(ast.MustParseTerm(`{"n": 1}`).Value)); err == nil {
		t.Fatal("analyze on a number succeeded; want an error")
	}
}

func TestDeclsMatchOptions(t *testing.T) {
	set := builtins.New(lexicon(t))
	tb := set.TesterBuiltins()
	if len(tb) != len(builtins.Decls()) {
		t.Fatalf("%d tester built-ins, %d decls", len(tb), len(builtins.Decls()))
	}
	if eval(t, set, `sendgate.text.is_opt_out_keyword("Stop")`) != true {
		t.Fatal(`"Stop" is an opt-out keyword`)
	}
	if eval(t, set, `sendgate.text.is_opt_out_keyword("Shop now")`) != false {
		t.Fatal(`"Shop now" is not an opt-out keyword`)
	}
}
