package textscan

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// BenchmarkAnalyzeAdversarial guards against inputs that make a scan
// quadratic: long digit runs, mask runs, gapped-phrase parts, dense hits.
func BenchmarkAnalyzeAdversarial(b *testing.B) {
	l := shippedLexicon(b)
	texts := map[string]string{
		"digits_spaced":  strings.Repeat("1 ", 2048),
		"digits_dotted":  strings.Repeat("4.", 2048),
		"vul":            strings.Repeat("vul ", 1024),
		"vul_in":         strings.Repeat("vul in ", 585),
		"stars":          strings.Repeat("*", 4096),
		"stars_digits":   strings.Repeat("** 12 ", 682),
		"xs":             strings.Repeat("x", 4096),
		"percent":        strings.Repeat("1% ", 1365),
		"cues_nouns":     strings.Repeat("please send your card number never ", 110),
		"codes":          strings.Repeat("code 1234 ", 409),
		"letters_digits": strings.Repeat("ab12 ", 819),
		"nl":             strings.Repeat("nl91 ", 819),
	}
	for i, seed := range fuzzSeeds[:6] {
		texts[fmt.Sprintf("repeated_seed%d_200k", i)] = strings.Repeat(seed+" ", 200000/(len(seed)+1))
	}
	r := rand.New(rand.NewSource(1))
	alpha := []rune("0123456789 .-/*x%abcdefghijklmnopqrstuvwxyz,;?!\nＡ４\u200bé")
	var sb strings.Builder
	for i := 0; i < 4096; i++ {
		sb.WriteRune(alpha[r.Intn(len(alpha))])
	}
	texts["random"] = sb.String()
	names := make([]string, 0, len(texts))
	for name := range texts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		b.Run("text="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.Analyze(texts[name])
			}
		})
	}
}
