// Package builtins exposes sendgate's Go text analysis to Rego as custom
// built-in functions, bound to the lexicon of one policy bundle.
package builtins

import (
	"errors"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/sendgate/sendgate/internal/textscan"
)

// Names of the built-ins as policies call them.
const (
	AnalyzeName          = "sendgate.text.analyze"
	IsOptOutKeywordName  = "sendgate.text.is_opt_out_keyword"
	MentionsName         = "sendgate.text.mentions"
	errNotAString        = "operand 1 must be a string"
	findingsObjectFields = 8
)

var (
	analyzeDecl = types.NewFunction(
		types.Args(
			types.Named("text", types.S).Description("the message text as the recipient reads it"),
			types.Named("language", types.S).Description(`the language tag the message declares ("es", "pt_BR"), or "" to let the text tell`),
		),
		types.Named("findings", types.NewObject(nil, types.NewDynamicProperty(types.S, types.A))).
			Description("identifiers, requests, the promotions in the message's language, passcodes, opt-out instructions, notices, partial references and that language"),
	)
	isOptOutKeywordDecl = types.NewFunction(
		types.Args(types.Named("text", types.S).Description("a short text such as a quick-reply button label")),
		types.Named("result", types.B).Description("true when the text is an opt-out keyword such as STOP"),
	)
	mentionsDecl = types.NewFunction(
		types.Args(
			types.Named("text", types.S).Description("a text such as an opt-in's wording"),
			types.Named("names", types.NewAny(types.S, types.NewArray(nil, types.S))).
				Description("a name such as the business's display name, or a list of names"),
		),
		types.Named("result", types.B).Description("true when the name, or one of the names, occurs in the text as whole words, after NFKC, case and accent folding"),
	)
)

// Decls returns the declarations of sendgate's built-ins, for compilers and
// capabilities that must type-check policies calling them.
func Decls() []*ast.Builtin {
	return []*ast.Builtin{
		{Name: AnalyzeName, Decl: analyzeDecl},
		{Name: IsOptOutKeywordName, Decl: isOptOutKeywordDecl},
		{Name: MentionsName, Decl: mentionsDecl},
	}
}

// Pure reports whether name is one of sendgate's built-ins, all of which
// answer the same for the same arguments.
func Pure(name string) bool {
	for _, d := range Decls() {
		if d.Name == name {
			return true
		}
	}
	return false
}

// Set is the built-ins bound to one compiled lexicon.
type Set struct {
	lex   *textscan.Lexicon
	cache *findingsCache // nil in a plain set
}

// New binds the built-ins to lex. Findings are cached by text, since
// campaigns send one text to many recipients, and shared by the decisions
// that read them.
func New(lex *textscan.Lexicon) *Set {
	return &Set{lex: lex, cache: newFindingsCache(cacheEntries)}
}

// NewPlain binds the built-ins to lex without the cache, converting
// findings anew for every call with terms of their own: slower, and what
// the engine's equivalence test compares the shortcuts with.
func NewPlain(lex *textscan.Lexicon) *Set { return &Set{lex: lex} }

// RegoOptions returns the options that register the built-ins on a rego.Rego.
//
// They are not memoized by OPA: its memo key is the arguments' Rego text, so
// every call would quote the whole message again (4,096 characters at most)
// to find what the findings cache finds by the text itself, and the policy
// reads the findings through one rule, which OPA evaluates once per decision.
func (s *Set) RegoOptions() []func(*rego.Rego) {
	return []func(*rego.Rego){
		rego.Function2(&rego.Function{Name: AnalyzeName, Decl: analyzeDecl}, s.analyze),
		rego.Function1(&rego.Function{Name: IsOptOutKeywordName, Decl: isOptOutKeywordDecl}, s.isOptOutKeyword),
		rego.Function2(&rego.Function{Name: MentionsName, Decl: mentionsDecl}, mentions),
	}
}

// TesterBuiltins returns the built-ins in the form OPA's test runner takes.
func (s *Set) TesterBuiltins() []*tester.Builtin {
	opts := s.RegoOptions()
	decls := Decls()
	out := make([]*tester.Builtin, len(decls))
	for i := range decls {
		out[i] = &tester.Builtin{Decl: decls[i], Func: opts[i]}
	}
	return out
}

// Analyze runs the text analysis and returns its findings as Rego sees
// them, read in the language of the tag the message declares (see
// textscan.Findings.InLanguage; "" lets the text tell): findings.language
// is that language and findings.promotions holds only its promotions.
func (s *Set) Analyze(text, tag string) ast.Value {
	code := textscan.LanguageCode(tag)
	if s.cache == nil {
		return findingsValue(s.lex.Analyze(text).InLanguage(code), true)
	}
	key := cacheKey{text: text, language: code}
	if v, ok := s.cache.get(key); ok {
		return v
	}
	v := FindingsValue(s.lex.Analyze(text).InLanguage(code))
	s.cache.put(key, v)
	return v
}

// Findings runs the text analysis and returns its findings as Go values,
// for explanations; it bypasses the cache.
func (s *Set) Findings(text string) *textscan.Findings { return s.lex.Analyze(text) }

func (s *Set) analyze(_ rego.BuiltinContext, a, b *ast.Term) (*ast.Term, error) {
	text, ok1 := a.Value.(ast.String)
	tag, ok2 := b.Value.(ast.String)
	if !ok1 || !ok2 {
		return nil, errors.New(AnalyzeName + ": operands must be strings")
	}
	return ast.NewTerm(s.Analyze(string(text), string(tag))), nil
}

func (s *Set) isOptOutKeyword(_ rego.BuiltinContext, a *ast.Term) (*ast.Term, error) {
	str, ok := a.Value.(ast.String)
	if !ok {
		return nil, errors.New(IsOptOutKeywordName + ": " + errNotAString)
	}
	return ast.BooleanTerm(s.lex.IsOptOutKeyword(string(str))), nil
}

func mentions(_ rego.BuiltinContext, a, b *ast.Term) (*ast.Term, error) {
	text, ok := a.Value.(ast.String)
	if !ok {
		return nil, errors.New(MentionsName + ": " + errNotAString)
	}
	switch names := b.Value.(type) {
	case ast.String:
		return ast.InternedTerm(textscan.Mentions(string(text), string(names))), nil
	case *ast.Array:
		var buf [8]string
		list := buf[:0]
		for i := range names.Len() {
			name, ok := names.Elem(i).Value.(ast.String)
			if !ok {
				return nil, errors.New(MentionsName + ": operand 2 must be a string or an array of strings")
			}
			list = append(list, string(name))
		}
		return ast.InternedTerm(textscan.MentionsAny(string(text), list...)), nil
	}
	return nil, errors.New(MentionsName + ": operand 2 must be a string or an array of strings")
}

// Lexicon returns the compiled lexicon the built-ins are bound to.
func (s *Set) Lexicon() *textscan.Lexicon { return s.lex }
