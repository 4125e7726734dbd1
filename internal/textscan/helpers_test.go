package textscan

import (
	"os"
	"sync"
	"testing"
)

// lexiconPath is the shipped lexicon, so the tests test what the bundle holds.
const lexiconPath = "../../policies/sendgate/lexicon/data.json"

var (
	shippedOnce sync.Once
	shipped     *Lexicon
	shippedErr  error
)

// shippedLexicon compiles policies/sendgate/lexicon/data.json once per test binary.
func shippedLexicon(tb testing.TB) *Lexicon {
	tb.Helper()
	shippedOnce.Do(func() {
		raw, err := os.ReadFile(lexiconPath)
		if err != nil {
			shippedErr = err
			return
		}
		spec, err := ParseLexiconSpec(raw)
		if err != nil {
			shippedErr = err
			return
		}
		shipped, shippedErr = CompileLexicon(spec)
	})
	if shippedErr != nil {
		tb.Fatalf("loading %s: %v", lexiconPath, shippedErr)
	}
	return shipped
}
