package builtins

import (
	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/sendgate/sendgate/textscan"
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
func FindingsValue(f *textscan.Findings) ast.Value {
	if f == nil {
		f = &textscan.Findings{}
	}
	ids := make([]*ast.Term, len(f.Identifiers))
	for i, id := range f.Identifiers {
		ids[i] = ast.ObjectTerm(
			ast.Item(keyType, ast.StringTerm(id.Type)),
			ast.Item(keyScheme, ast.StringTerm(id.Scheme)),
			ast.Item(keyMasked, ast.StringTerm(id.Masked)),
			ast.Item(keyStart, ast.InternedTerm(id.Start)),
			ast.Item(keyEnd, ast.InternedTerm(id.End)),
		)
	}
	reqs := make([]*ast.Term, len(f.Requests))
	for i, r := range f.Requests {
		reqs[i] = ast.ObjectTerm(
			ast.Item(keyType, ast.StringTerm(r.Type)),
			ast.Item(keyCue, ast.StringTerm(r.Cue)),
			ast.Item(keyNoun, ast.StringTerm(r.Noun)),
			ast.Item(keyEvidence, ast.StringTerm(r.Evidence)),
			ast.Item(keyStart, ast.InternedTerm(r.Start)),
			ast.Item(keyEnd, ast.InternedTerm(r.End)),
		)
	}
	return ast.NewObject(
		ast.Item(keyIdentifiers, ast.ArrayTerm(ids...)),
		ast.Item(keyRequests, ast.ArrayTerm(reqs...)),
		ast.Item(keyPromotions, promotionsTerm(f.Promotions)),
		ast.Item(keyPasscodes, matchesTerm(f.Passcodes)),
		ast.Item(keyOptOutInstructions, matchesTerm(f.OptOutInstructions)),
		ast.Item(keyNotices, matchesTerm(f.Notices)),
		ast.Item(keyPartials, matchesTerm(f.Partials)),
	)
}

func matchesTerm(ms []textscan.Match) *ast.Term {
	terms := make([]*ast.Term, len(ms))
	for i, m := range ms {
		terms[i] = ast.ObjectTerm(
			ast.Item(keyKind, ast.StringTerm(m.Kind)),
			ast.Item(keyTerm, ast.StringTerm(m.Term)),
			ast.Item(keyStart, ast.InternedTerm(m.Start)),
			ast.Item(keyEnd, ast.InternedTerm(m.End)),
		)
	}
	return ast.ArrayTerm(terms...)
}

// promotionsTerm is matchesTerm with each match's excerpt.
func promotionsTerm(ms []textscan.Match) *ast.Term {
	terms := make([]*ast.Term, len(ms))
	for i, m := range ms {
		terms[i] = ast.ObjectTerm(
			ast.Item(keyKind, ast.StringTerm(m.Kind)),
			ast.Item(keyTerm, ast.StringTerm(m.Term)),
			ast.Item(keyExcerpt, ast.StringTerm(m.Excerpt)),
			ast.Item(keyStart, ast.InternedTerm(m.Start)),
			ast.Item(keyEnd, ast.InternedTerm(m.End)),
		)
	}
	return ast.ArrayTerm(terms...)
}
