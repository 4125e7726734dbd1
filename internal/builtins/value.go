package builtins

import (
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/sendgate/sendgate/internal/termblock"
	"github.com/sendgate/sendgate/internal/textscan"
	"github.com/sendgate/sendgate/internal/validate"
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
// "opt_out_instructions": [...], "notices": [...], "partials": [...], "language": "en"}.
// Promotions carry the languages whose lists hold them, IBANs their compact form.
// Every key is present; lists may be empty.
//
// A text seen for the first time is converted on the decision's path, and a
// long promotional one may hold dozens of findings, so the conversion
// allocates little: the terms come from one block, and kinds and positions
// are shared terms.
func FindingsValue(f *textscan.Findings) ast.Value {
	if f == nil {
		f = &textscan.Findings{}
	}
	b := newValueBuilder(f)
	ids := make([]*ast.Term, len(f.Identifiers))
	for i, id := range f.Identifiers {
		items := [6][2]*ast.Term{
			ast.Item(keyType, b.String(id.Type)),
			ast.Item(keyScheme, b.String(id.Scheme)),
			ast.Item(keyMasked, b.String(id.Masked)),
			ast.Item(keyStart, b.position(id.Start)),
			ast.Item(keyEnd, b.position(id.End)),
		}
		n := 5
		if id.Compact != "" {
			items[5] = ast.Item(keyCompact, b.String(id.Compact))
			n = 6
		}
		ids[i] = b.Term(ast.NewObject(items[:n]...))
	}
	reqs := make([]*ast.Term, len(f.Requests))
	for i, r := range f.Requests {
		reqs[i] = b.Term(ast.NewObject(
			ast.Item(keyType, b.String(r.Type)),
			ast.Item(keyCue, b.String(r.Cue)),
			ast.Item(keyNoun, b.String(r.Noun)),
			ast.Item(keyEvidence, b.String(r.Evidence)),
			ast.Item(keyStart, b.position(r.Start)),
			ast.Item(keyEnd, b.position(r.End)),
		))
	}
	return ast.NewObject(
		ast.Item(keyIdentifiers, b.array(ids)),
		ast.Item(keyRequests, b.array(reqs)),
		ast.Item(keyPromotions, b.matches(f.Promotions, true)),
		ast.Item(keyPasscodes, b.matches(f.Passcodes, false)),
		ast.Item(keyOptOutInstructions, b.matches(f.OptOutInstructions, false)),
		ast.Item(keyNotices, b.matches(f.Notices, false)),
		ast.Item(keyPartials, b.matches(f.Partials, false)),
		ast.Item(keyLanguage, b.language(f.Language)),
	)
}

// languageTerms are the terms of language codes, shared by every conversion.
var languageTerms sync.Map

func (b *valueBuilder) language(code string) *ast.Term {
	if t, ok := languageTerms.Load(code); ok {
		return t.(*ast.Term)
	}
	t, _ := languageTerms.LoadOrStore(code, ast.StringTerm(code))
	return t.(*ast.Term)
}

// languages is a promotion's language list as a term; the lists are shared
// by the lexicon's phrases, so their terms are made once each.
func (b *valueBuilder) languages(codes []string) *ast.Term {
	if len(codes) == 0 {
		return emptyLanguages
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

var (
	emptyLanguages = ast.ArrayTerm()
	languageLists  sync.Map
)

// kindTerms are the terms of the kinds the analysis reports.
var kindTerms = map[string]*ast.Term{}

func init() {
	for _, k := range []string{"promotion", "passcode", "opt_out_instruction", "notice", "partial"} {
		kindTerms[k] = ast.StringTerm(k)
	}
}

// valueBuilder hands out the terms of one findings object.
type valueBuilder struct {
	termblock.Block
}

func newValueBuilder(f *textscan.Findings) *valueBuilder {
	matches := len(f.Promotions) + len(f.Passcodes) + len(f.OptOutInstructions) + len(f.Notices) + len(f.Partials)
	n := 8 + 7*len(f.Identifiers) + 7*len(f.Requests) + 7*matches
	return &valueBuilder{termblock.New(n)}
}

func (b *valueBuilder) kind(k string) *ast.Term {
	if t, ok := kindTerms[k]; ok {
		return t
	}
	return b.String(k)
}

// position is a rune offset, as a term shared by every conversion.
func (b *valueBuilder) position(n int) *ast.Term {
	if terms := positionTerms(); n >= 0 && n < len(terms) {
		return terms[n]
	}
	return ast.IntNumberTerm(n)
}

// positionTerms are the terms of every rune offset into a text the API
// accepts (at most validate.MaxTextRunes characters), made once: a position
// then costs a conversion nothing.
var positionTerms = sync.OnceValue(func() []*ast.Term {
	terms := make([]*ast.Term, validate.MaxTextRunes+1)
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
			ast.Item(keyKind, b.kind(m.Kind)),
			ast.Item(keyTerm, b.String(m.Term)),
			ast.Item(keyStart, b.position(m.Start)),
			ast.Item(keyEnd, b.position(m.End)),
		}
		n := 4
		if excerpt {
			items[4] = ast.Item(keyExcerpt, b.String(m.Excerpt))
			items[5] = ast.Item(keyLanguages, b.languages(m.Languages))
			n = 6
		}
		terms[i] = b.Term(ast.NewObject(items[:n]...))
	}
	return b.array(terms)
}
