package opafast

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestBlockHandsOutDistinctTermsBeyondItsSize(t *testing.T) {
	b := NewBlock(2)
	var terms []*ast.Term
	for _, s := range []string{"a", "b", "c", ""} {
		terms = append(terms, b.String(s))
	}
	for i, want := range []string{`"a"`, `"b"`, `"c"`, `""`} {
		if got := terms[i].String(); got != want {
			t.Errorf("term %d = %s, want %s", i, got, want)
		}
	}
	if terms[0] == terms[1] || terms[1] == terms[2] {
		t.Error("terms share memory")
	}
	if b.String("") != terms[3] {
		t.Error("empty strings should share one term")
	}
	if n := testing.AllocsPerRun(100, func() {
		b := NewBlock(3)
		b.Term(ast.Boolean(true))
		b.Term(ast.Null{})
		b.String("")
	}); n != 1 {
		t.Errorf("a block of three terms took %v allocations, want 1", n)
	}
}
