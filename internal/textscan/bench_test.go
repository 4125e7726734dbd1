package textscan

import (
	"os"
	"strings"
	"testing"
)

var benchTexts = []struct{ name, text string }{
	{"plain", "Your appointment at Acme Shoes repair desk is confirmed for Friday 14:00."},
	{"identifiers", "Refund of €49.99 sent to NL91 ABNA 0417 1643 00. Card 4111 1111 1111 1111 was not charged; your BSN 111222333 is on file. Call +31612345678."},
	{"multilingual", "Kunt u uw rekeningnummer doorgeven? Bitte geben Sie Ihre IBAN an. ¿Cuál es su DNI? Envie-nos o número do cartão. Nous ne vous demanderons jamais votre code PIN. 20% korting! Stuur STOP om af te melden."},
	{"long4096", strings.Repeat("Your order 4711 has shipped and will arrive on Tuesday; reply STOP to unsubscribe. Wij vragen nooit om uw pincode. ", 40)[:4096]},
}

func BenchmarkAnalyze(b *testing.B) {
	l := shippedLexicon(b)
	for _, bt := range benchTexts {
		b.Run("text="+bt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bt.text)))
			for b.Loop() {
				l.Analyze(bt.text)
			}
		})
	}
}

func BenchmarkCompileLexicon(b *testing.B) {
	raw, err := os.ReadFile(lexiconPath)
	if err != nil {
		b.Fatal(err)
	}
	spec, err := ParseLexiconSpec(raw)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CompileLexicon(spec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	for _, bt := range benchTexts {
		b.Run("text="+bt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bt.text)))
			var buf []byte
			var origin []int32
			for b.Loop() {
				buf, origin, _ = fold(buf[:0], origin[:0], bt.text)
			}
		})
	}
}

func BenchmarkScanAC(b *testing.B) {
	l := shippedLexicon(b)
	text := foldString(benchTexts[3].text)
	var raw []rawHit
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		raw = l.ac.scan(text, raw[:0])
	}
}
