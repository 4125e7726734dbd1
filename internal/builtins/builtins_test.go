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
		OptOutKeywords: textscan.Phrases{"en": {"stop"}},
		Promotional:    textscan.Phrases{"en": {"buy now"}},
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
	got := eval(t, set, `sendgate.text.analyze("We charged 4111 1111 1111 1111 today.")`)
	obj, ok := got.(map[string]any)
	if !ok {
		t.Fatalf("analyze returned %T", got)
	}
	for _, k := range []string{"identifiers", "requests", "promotions", "passcodes", "opt_out_instructions", "notices", "partials"} {
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

func TestAnalyzeCachesByText(t *testing.T) {
	set := builtins.New(lexicon(t))
	a := set.Analyze("Your order has shipped.")
	b := set.Analyze("Your order has shipped.")
	if a.Compare(b) != 0 {
		t.Fatal("same text, different findings")
	}
	if c := set.Analyze("Other text 4111 1111 1111 1111"); c.Compare(a) == 0 {
		t.Fatal("different texts share findings")
	}
}

func TestTypeErrorsFailClosed(t *testing.T) {
	set := builtins.New(lexicon(t))
	opts := append(set.RegoOptions(), rego.Query(`x := sendgate.text.analyze(input.n)`), rego.StrictBuiltinErrors(true))
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
