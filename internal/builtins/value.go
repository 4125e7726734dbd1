package builtins

import (
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/sendgate/sendgate/internal/engine/opafast"
	"github.com/sendgate/sendgate/internal/textscan"
)

// Keys of the findings object, shared so each conversion allocates no key terms.
var (
	keyIdentifiers        = ast.StringTerm("identifiers")
	keyRequests           = ast.StringTerm("requests")
	keyPromotions         = ast.StringTerm("promotions")
	keyPasscodes          = ast.StringTerm("passcodes")
	keyOptOutInstructions = ast.StringTerm("opt_out_instructions")
	keyNotices            = ast.StringTerm("notices")
	keyPartials           = ast.StringTerm("partials")
	keyLanguage           = ast.StringTerm("language")
	keyLanguages          = ast.StringTerm("languages")
	keyCompact            = ast.StringTerm("compact")
	keyType               = ast.StringTerm("type")
	keyScheme             = ast.StringTerm("scheme")
	keyMasked             = ast.StringTerm("masked")
	keyCue                = ast.StringTerm("cue")
	keyNoun               = ast.StringTerm("noun")
	keyEvidence           = ast.StringTerm("evidence")
	keyKind               = ast.StringTerm("kind")
	keyTerm               = ast.StringTerm("term")
	keyExcerpt            = ast.StringTerm("excerpt")
	keyStart              = ast.StringTerm("start")
	keyEnd                = ast.StringTerm("end")
)

// FindingsValue converts findings to the object policies read:
// {"identifiers": [...], "requests": [...], "promotions": [...], "passcodes": [...],
// "opt_out_instructions": [...], "notices": [...], "partials": [...]}.
// Every key is present; lists may be empty.
//
// A text seen for the first time is converted on the decision's path, and a
// long promotional one may hold dozens of findings, so the conversion
// allocates little: the terms come from one block, and kinds and positions
// are shared terms.
func FindingsValue(f *textscan.Findings) ast.Value { return findingsValue(f, false) }

// findingsValue converts findings; plain allocates every term on its own
// and shares none, as OPA's own conversions do.
func findingsValue(f *textscan.Findings, plain bool) ast.Value {
	if f == nil {
		f = &textscan.Findings{}
	}
	b := newValueBuilder(f, plain)
	ids := make([]*ast.Term, len(f.Identifiers))
	for i, id := range f.Identifiers {
		items := [6][2]*ast.Term{
			ast.Item(b.key(keyType), b.String(id.Type)),
			ast.Item(b.key(keyScheme), b.String(id.Scheme)),
			ast.Item(b.key(keyMasked), b.String(id.Masked)),
			ast.Item(b.key(keyStart), b.position(id.Start)),
			ast.Item(b.key(keyEnd), b.position(id.End)),
		}
		n := 5
		if id.Compact != "" {
			items[5] = ast.Item(b.key(keyCompact), b.String(id.Compact))
			n = 6
		}
		ids[i] = b.Term(ast.NewObject(items[:n]...))
	}
	reqs := make([]*ast.Term, len(f.Requests))
	for i, r := range f.Requests {
		reqs[i] = b.Term(ast.NewObject(
			ast.Item(b.key(keyType), b.String(r.Type)),
			ast.Item(b.key(keyCue), b.String(r.Cue)),
			ast.Item(b.key(keyNoun), b.String(r.Noun)),
			ast.Item(b.key(keyEvidence), b.String(r.Evidence)),
			ast.Item(b.key(keyStart), b.position(r.Start)),
			ast.Item(b.key(keyEnd), b.position(r.End)),
		))
	}
	return ast.NewObject(
		ast.Item(b.key(keyIdentifiers), b.array(ids)),
		ast.Item(b.key(keyRequests), b.array(reqs)),
		ast.Item(b.key(keyPromotions), b.matches(f.Promotions, true)),
		ast.Item(b.key(keyPasscodes), b.matches(f.Passcodes, false)),
		ast.Item(b.key(keyOptOutInstructions), b.matches(f.OptOutInstructions, false)),
		ast.Item(b.key(keyNotices), b.matches(f.Notices, false)),
		ast.Item(b.key(keyPartials), b.matches(f.Partials, false)),
		ast.Item(b.key(keyLanguage), b.language(f.Language)),
	)
}

// languageTerms are the terms of language codes, shared by every conversion.
var languageTerms sync.Map

func (b *valueBuilder) language(code string) *ast.Term {
	if b.plain {
		return ast.StringTerm(code)
	}
	if t, ok := languageTerms.Load(code); ok {
		return t.(*ast.Term)
	}
	t, _ := languageTerms.LoadOrStore(code, ast.StringTerm(code))
	return t.(*ast.Term)
}

// languages is a promotion's language list as a term; the lists are shared
// by the lexicon's phrases, so their terms are made once each.
func (b *valueBuilder) languages(codes []string) *ast.Term {
	if b.plain || len(codes) == 0 {
		terms := make([]*ast.Term, len(codes))
		for i, c := range codes {
			terms[i] = ast.StringTerm(c)
		}
		return ast.ArrayTerm(terms...)
	}
	key := strings.Join(codes, ",")
	if t, ok := languageLists.Load(key); ok {
		return t.(*ast.Term)
	}
	terms := make([]*ast.Term, len(codes))
	for i, c := range codes {
		terms[i] = b.language(c)
	}
	t, _ := languageLists.LoadOrStore(key, ast.ArrayTerm(terms...))
	return t.(*ast.Term)
}

var languageLists sync.Map

// kindTerms are the terms of the kinds the analysis reports.
var kindTerms = map[string]*ast.Term{}

func init() {
	for _, k := range []string{"promotion", "passcode", "opt_out_instruction", "notice", "partial"} {
		kindTerms[k] = ast.StringTerm(k)
	}
}

// valueBuilder hands out the terms of one findings object.
type valueBuilder struct {
	opafast.Block
	plain bool
}

func newValueBuilder(f *textscan.Findings, plain bool) *valueBuilder {
	if plain {
		return &valueBuilder{Block: opafast.NewBlock(0), plain: true}
	}
	matches := len(f.Promotions) + len(f.Passcodes) + len(f.OptOutInstructions) + len(f.Notices) + len(f.Partials)
	n := 8 + 7*len(f.Identifiers) + 7*len(f.Requests) + 7*matches
	return &valueBuilder{Block: opafast.NewBlock(n)}
}

// key is a key of the findings object: the shared term, or in plain
// conversions a term of its own.
func (b *valueBuilder) key(k *ast.Term) *ast.Term {
	if b.plain {
		return ast.NewTerm(k.Value)
	}
	return k
}

// String is a term holding s, shared for the empty string but in plain
// conversions.
func (b *valueBuilder) String(s string) *ast.Term {
	if b.plain {
		return ast.StringTerm(s)
	}
	return b.Block.String(s)
}

func (b *valueBuilder) kind(k string) *ast.Term {
	if t, ok := kindTerms[k]; ok && !b.plain {
		return t
	}
	return b.String(k)
}

// position is a rune offset, as a term shared by every conversion.
func (b *valueBuilder) position(n int) *ast.Term {
	if terms := positionTerms(); n >= 0 && n < len(terms) && !b.plain {
		return terms[n]
	}
	return ast.IntNumberTerm(n)
}

// sharedPositions is how many rune offsets have a shared term: every
// offset into a text the API accepts (validate.MaxTextRunes, which a test
// compares). A later offset is correct too, only allocated apiece.
const sharedPositions = 4096

// positionTerms are the terms of the shared rune offsets, made once: a
// position then costs a conversion nothing.
var positionTerms = sync.OnceValue(func() []*ast.Term {
	terms := make([]*ast.Term, sharedPositions+1)
	for i := range terms {
		terms[i] = ast.IntNumberTerm(i)
	}
	return terms
})

func (b *valueBuilder) array(elems []*ast.Term) *ast.Term {
	return b.Term(ast.NewArray(elems...))
}

// matches converts a list of matches; promotions carry their excerpt.
func (b *valueBuilder) matches(ms []textscan.Match, excerpt bool) *ast.Term {
	terms := make([]*ast.Term, len(ms))
	for i, m := range ms {
		items := [6][2]*ast.Term{
			ast.Item(b.key(keyKind), b.kind(m.Kind)),
			ast.Item(b.key(keyTerm), b.String(m.Term)),
			ast.Item(b.key(keyStart), b.position(m.Start)),
			ast.Item(b.key(keyEnd), b.position(m.End)),
		}
		n := 4
		if excerpt {
			items[4] = ast.Item(b.key(keyExcerpt), b.String(m.Excerpt))
			items[5] = ast.Item(b.key(keyLanguages), b.languages(m.Languages))
			n = 6
		}
		terms[i] = b.Term(ast.NewObject(items[:n]...))
	}
	return b.array(terms)
}
