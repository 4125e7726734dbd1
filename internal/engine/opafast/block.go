package opafast

import "github.com/open-policy-agent/opa/v1/ast"

// Block hands out OPA terms from one allocation, for the documents sendgate
// builds on every decision (the input, the text findings), where a term
// allocated apiece would cost an allocation per field (assumption 5).
//
// Block is a run of terms handed out one by one. Its terms live as long as
// any of them is referenced.
type Block struct {
	terms []ast.Term
}

// NewBlock returns a block for n terms. Asking for more is correct but allocates
// each further term on its own.
func NewBlock(n int) Block { return Block{terms: make([]ast.Term, 0, n)} }

// Term returns a term holding v.
func (b *Block) Term(v ast.Value) *ast.Term {
	if len(b.terms) == cap(b.terms) {
		return ast.NewTerm(v)
	}
	b.terms = append(b.terms, ast.Term{Value: v})
	return &b.terms[len(b.terms)-1]
}

// emptyString is shared by every empty string handed out.
var emptyString = ast.StringTerm("")

// String returns a term holding s; empty strings share one term.
func (b *Block) String(s string) *ast.Term {
	if s == "" {
		return emptyString
	}
	return b.Term(ast.String(s))
}
