package ledger_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/sendgate/sendgate/internal/engine"
	"github.com/sendgate/sendgate/internal/ledger"
	"github.com/sendgate/sendgate/internal/ledger/memory"
	"github.com/sendgate/sendgate/internal/textscan"
	"github.com/sendgate/sendgate/policies"
)

// defaultLexicon is the default bundle's lexicon, as the server compiles it.
func defaultLexicon(t *testing.T) (*textscan.Lexicon, *bundle.Bundle) {
	t.Helper()
	b, err := policies.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	set, err := engine.BuiltinsFor(b)
	if err != nil {
		t.Fatal(err)
	}
	return set.Lexicon(), b
}

func TestClassifyKeywordsOfTheDefaultBundle(t *testing.T) {
	lex, _ := defaultLexicon(t)
	tests := []struct {
		text, locale string
		action       ledger.InboundAction
		keyword      string
		language     string
	}{
		{"STOP", "", ledger.InboundOptOut, "STOP", "en"},
		{"stop", "", ledger.InboundOptOut, "STOP", "en"},
		{" Stop ", "", ledger.InboundOptOut, "STOP", "en"},
		{"stop", "nl-NL", ledger.InboundOptOut, "STOP", "nl"},
		{"STOPP?", "", ledger.InboundMessage, "", ""},
		{"STOPP", "", ledger.InboundOptOut, "STOPP", "de"},
		{"AFMELDEN", "", ledger.InboundOptOut, "AFMELDEN", "nl"},
		{"ARRÊT", "", ledger.InboundOptOut, "ARRET", "fr"},
		{"arret", "", ledger.InboundOptOut, "ARRET", "fr"},
		{"BAJA", "", ledger.InboundOptOut, "BAJA", "es"},
		{"SAIR", "", ledger.InboundOptOut, "SAIR", "pt"},
		{"Cancelar", "pt_BR", ledger.InboundOptOut, "CANCELAR", "pt"},
		{"stop sending me offers", "", ledger.InboundMessage, "", ""},
		{"Can you stop the delivery?", "", ledger.InboundMessage, "", ""},
		{"START", "", ledger.InboundOptIn, "START", "en"},
		{"unstop", "", ledger.InboundOptIn, "UNSTOP", "en"},
		{"Where is my order?", "", ledger.InboundMessage, "", ""},
		{"", "", ledger.InboundMessage, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := ledger.Classify(lex, tt.text, tt.locale)
			if got.Action != tt.action || got.Keyword != tt.keyword || got.Language != tt.language {
				t.Fatalf("Classify(%q, %q) = %+v; want action %d, keyword %q, language %q", tt.text, tt.locale, got, tt.action, tt.keyword, tt.language)
			}
			if (got.Confirmation != "") != (tt.action != ledger.InboundMessage) {
				t.Errorf("confirmation %q for action %d", got.Confirmation, got.Action)
			}
		})
	}
	if c := ledger.Classify(lex, "AFMELDEN", "").Confirmation; c == ledger.Classify(lex, "STOP", "").Confirmation {
		t.Errorf("the Dutch confirmation is the English one: %q", c)
	}
}

// TestWholeSentenceNeedsBundleData shows what an author adds to the
// lexicon to treat "stop sending me offers" as an opt-out: the sentence as
// a keyword. No Go changes.
func TestWholeSentenceNeedsBundleData(t *testing.T) {
	lex, b := defaultLexicon(t)
	const text = "stop sending me offers"
	if got := ledger.Classify(lex, text, "").Action; got != ledger.InboundMessage {
		t.Fatalf("the default bundle already treats %q as %d", text, got)
	}
	raw, err := json.Marshal(b.Data["sendgate"].(map[string]any)["lexicon"])
	if err != nil {
		t.Fatal(err)
	}
	spec, err := textscan.ParseLexiconSpec(raw)
	if err != nil {
		t.Fatal(err)
	}
	spec.OptOutKeywords["en"] = append(spec.OptOutKeywords["en"], "STOP SENDING ME OFFERS")
	extended, err := textscan.CompileLexicon(spec)
	if err != nil {
		t.Fatal(err)
	}
	got := ledger.Classify(extended, "Stop sending me offers", "")
	if got.Action != ledger.InboundOptOut || got.Keyword != "STOP SENDING ME OFFERS" || got.Language != "en" {
		t.Errorf("with the sentence in opt_out_keywords.en: %+v", got)
	}
	// Still whole-message only: a longer text is not it.
	if got := ledger.Classify(extended, "please stop sending me offers", "").Action; got != ledger.InboundMessage {
		t.Errorf("a longer text matched: %d", got)
	}
}

func TestRecordInboundStop(t *testing.T) {
	lex, _ := defaultLexicon(t)
	h, _ := ledger.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	l, err := ledger.Open(context.Background(), memory.New(), h)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := l.Recipient("+31612345678")
	in := ledger.Event{ID: "m1", BusinessID: "b", Recipient: r}
	if _, err := l.Record(ctx, []ledger.Event{{ID: "o1", BusinessID: "b", Recipient: r, Kind: ledger.KindOptIn, Scopes: []string{"CATEGORY_MARKETING"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.RecordInbound(ctx, in, ledger.Classify(lex, "STOP", "")); err != nil {
		t.Fatal(err)
	}
	st, err := l.State(ctx, "b", "+31612345678")
	if err != nil {
		t.Fatal(err)
	}
	if st.OptedOutAt.IsZero() || st.LastInboundAt.IsZero() || st.OptedOutAt.Before(st.OptIn.At) {
		t.Fatalf("after STOP: %+v", st)
	}
	// START renews the opt-in with the keyword as its wording and the scopes it had.
	rec, err := l.RecordInbound(ctx, ledger.Event{ID: "m2", BusinessID: "b", Recipient: r, At: st.OptedOutAt.Add(1000)}, ledger.Classify(lex, "start", ""))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Event.Keyword != "START" {
		t.Errorf("inbound event: %+v", rec.Event)
	}
	st, _ = l.State(ctx, "b", "+31612345678")
	if st.OptIn == nil || st.OptIn.Wording != "START" || st.OptIn.Keyword != "START" || st.OptIn.Channel != "whatsapp" ||
		len(st.OptIn.Scopes) != 1 || !st.OptIn.At.After(st.OptedOutAt) {
		t.Errorf("after START: %+v / %+v", st, st.OptIn)
	}
	evs, _ := l.Store().History(ctx, ledger.Subject{BusinessID: "b", Recipient: r})
	if len(evs) != 5 {
		t.Errorf("%d events, want 5 (opt-in, STOP and its opt-out, START and its opt-in)", len(evs))
	}
}
