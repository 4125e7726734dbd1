package textscan

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"Could you share your credit card number so we can charge the repair?",
	"Kunt u uw rekeningnummer doorgeven voor de terugbetaling?",
	"Refund sent to BE68 5390 0754 7034.",
	"Card ４１１１ １１１１ １１１１ １１１１ and 4111\u200b1111\u200b1111\u200b1111",
	"Uw BSN is 1112.22.333. IBAN NL** **** **** **43 00, kaart **** 1234",
	"Your verification code is 482913. Reply STOP to unsubscribe. 20% off!",
	"¿Cuál es su DNI 12345678Z? CPF 529.982.247-25, NIE X1234567L, AB 12 34 56 C",
	"graag uw ... doorgeven vul in ... --- ... 1-2-3-4-5-6-7-8-9-0-1-2-3-4-5-6-7-8-9",
	"e\u0301\u0301 ß ǅ İ ﬁ \u2028 +31612345678 RSSMRA85T10A562S",
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	l := shippedLexicon(f)
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return
		}
		runes := []rune(text)
		n := len(runes)
		fd := l.Analyze(text)
		check := func(what string, sp Span) {
			if sp.Start < 0 || sp.End > n || sp.Start > sp.End {
				t.Fatalf("%s span %+v out of [0,%d] for %q", what, sp, n, text)
			}
		}
		for _, id := range fd.Identifiers {
			check("identifier", id.Span)
			compact := strings.ToUpper(compactAlnum(Normalize(string(runes[id.Start:id.End])).Text))
			if len(compact) < 8 || strings.Contains(strings.ReplaceAll(id.Masked, " ", ""), compact) {
				t.Fatalf("masked %q leaks identifier %q in %q", id.Masked, compact, text)
			}
			raw := string(runes[id.Start:id.End])
			for _, r := range fd.Requests {
				if id.Start < r.Start || id.End > r.End {
					continue
				}
				// The same characters may stand elsewhere in the clause
				// without being an identifier; the masked one must be gone.
				clauseText := string(runes[r.Start:r.End])
				if !strings.Contains(r.Evidence, id.Masked) ||
					strings.Count(r.Evidence, raw) >= strings.Count(clauseText, raw) {
					t.Fatalf("evidence %q does not mask identifier %q", r.Evidence, raw)
				}
			}
		}
		for _, r := range fd.Requests {
			check("request", r.Span)
		}
		for _, list := range [][]Match{fd.Promotions, fd.Passcodes, fd.OptOutInstructions, fd.Notices, fd.Partials} {
			for i, m := range list {
				check(m.Kind, m.Span)
				// Policies quote the first finding of a list as the earliest.
				if i > 0 && m.Start < list[i-1].Start {
					t.Fatalf("%s findings out of text order: %+v before %+v", m.Kind, list[i-1], m)
				}
			}
		}
		for _, m := range fd.Promotions {
			if want := string(runes[m.Start:m.End]); m.Excerpt != want {
				t.Fatalf("promotion excerpt %q, want the text's %q", m.Excerpt, want)
			}
		}
		for _, p := range fd.Passcodes {
			if strings.ContainsAny(p.Term, "0123456789") {
				t.Fatalf("passcode term %q is not masked", p.Term)
			}
		}
		l.IsOptOutKeyword(text)
	})
}

func compactAlnum(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isASCIIAlnum(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n := Normalize(text)
		if len(n.Origin) != len(n.Text) {
			t.Fatalf("len(Origin) %d != len(Text) %d", len(n.Origin), len(n.Text))
		}
		if n.Runes != utf8.RuneCountInString(text) {
			t.Fatalf("Runes %d, want %d", n.Runes, utf8.RuneCountInString(text))
		}
		prev := int32(0)
		for i, o := range n.Origin {
			if o < prev || int(o) >= n.Runes {
				t.Fatalf("Origin[%d] = %d out of order or range (runes %d)", i, o, n.Runes)
			}
			prev = o
		}
		if utf8.ValidString(text) && !utf8.ValidString(n.Text) {
			t.Fatalf("folded text of valid input is not UTF-8: %q", n.Text)
		}
		for i := 0; i < len(n.Text); i++ {
			if c := n.Text[i]; c >= 'A' && c <= 'Z' {
				t.Fatalf("upper-case byte left in %q", n.Text)
			}
		}
	})
}
