package textscan

import (
	"math/rand"
	"strings"
	"testing"
	"time"
)

func TestPathological(t *testing.T) {
	l := shippedLexicon(t)
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
	r := rand.New(rand.NewSource(1))
	alpha := []rune("0123456789 .-/*x%abcdefghijklmnopqrstuvwxyz,;?!\nＡ４\u200bé")
	var b strings.Builder
	for i := 0; i < 4096; i++ {
		b.WriteRune(alpha[r.Intn(len(alpha))])
	}
	texts["random"] = b.String()
	for name, text := range texts {
		start := time.Now()
		for i := 0; i < 10; i++ {
			l.Analyze(text)
		}
		t.Logf("%-15s %v/op", name, time.Since(start)/10)
	}
}
