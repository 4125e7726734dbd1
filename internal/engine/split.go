package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/sendgate/sendgate/internal/engine/opafast"
	sendgatev1 "github.com/sendgate/sendgate/proto/sendgate/v1"
)

// A campaign sends one message to thousands of recipients, and most rule
// families (template, vertical, government, commerce, identifiers, advice
// in the default bundle) come out the same for every one of them: they
// read only the business and the message. A split policy set works those
// families out once per distinct message and keeps them in a cache; per
// request it evaluates only the families that read anything else
// (recipient, consent, conversation, send_time, ledger, …) and merges the
// two, exactly as main.rego would.
//
// Which families read what is found in the compiled bundle, through every
// rule and function they use (opafast.RuleReads); anything that cannot be
// proved message-level counts as per-request. The split is used only when
// main.decision is the collector below, so that merging in Go is what
// main.rego does; any other main is evaluated whole for every request.

// collector is the decision rule the split reproduces: every family's
// non-empty deny and advice, by family.
const collector = `package sendgate.main

decision := {
	"reasons": {family: reasons |
		some family
		reasons := data.sendgate.rules[family].deny
		reasons != set()
	},
	"advice": {family: advice |
		some family
		advice := data.sendgate.rules[family].advice
		advice != set()
	},
}
`

var collectorRule = ast.MustParseModuleWithOpts(collector, ast.ParserOptions{RegoVersion: ast.RegoV1}).Rules[0]

// familiesRef is where rule families live.
var familiesRef = ast.MustParseRef("data.sendgate.rules")

// Keys of the decision object.
var (
	kReasons = ast.StringTerm("reasons")
	kAdvice  = ast.StringTerm("advice")
)

// family is one package data.sendgate.rules.<name> with a deny or an
// advice rule.
type family struct {
	name         *ast.Term // the family's name, a string
	deny, advice bool      // which of the two rules it has
	shared       bool      // reads only business and message: the same for every recipient
}

// split is how a policy set decides with message-level results computed
// once; nil when the bundle does not allow it.
type split struct {
	shared, perRequest []family
	// request evaluates the per-request families' rules, each wrapped in a
	// set so that an undefined rule is an empty set rather than no result:
	// [{r | r := data.sendgate.rules.consent.deny}, …].
	request *opafast.Query
	cache   *messageCache
}

// messageLevel are the input parts that are the same for every recipient
// of a message.
var messageLevel = []string{"business", "message"}

// newSplit finds the families of the compiled bundle and prepares the
// per-request query, or returns nil when the bundle cannot be split: its
// main.decision is not the collector, a rule or base document sits where a
// family would, or no family is message-level.
func newSplit(ctx context.Context, b *bundle.Bundle, c *ast.Compiler, opts []func(*rego.Rego), pure func(string) bool) (*split, error) {
	if !collectorMain(b) || hasBaseData(b.Data) {
		return nil, nil
	}
	families, ok := familiesOf(c)
	if !ok {
		return nil, nil
	}
	s := &split{}
	for _, f := range families {
		f.shared = true
		for rule, has := range map[string]bool{"deny": f.deny, "advice": f.advice} {
			if !has {
				continue
			}
			reads := opafast.RuleReads(c, familiesRef.Append(f.name).Append(ast.StringTerm(rule)), pure)
			if reads.Impure != "" || !onlyUnder(reads.Paths, messageLevel) {
				f.shared = false
			}
		}
		if f.shared {
			s.shared = append(s.shared, f)
		} else {
			s.perRequest = append(s.perRequest, f)
		}
	}
	if len(s.shared) == 0 {
		return nil, nil
	}
	q, err := opafast.Prepare(ctx, opafast.Options{}, append(opts, rego.Query(familiesQuery(s.perRequest)))...)
	if err != nil {
		return nil, fmt.Errorf("prepare the per-request query: %w", err)
	}
	s.request = q
	s.cache = newMessageCache(defaultCacheEntries, defaultCacheBytes)
	return s, nil
}

// collectorMain reports whether the bundle's data.sendgate.main.decision is
// one rule, the collector.
func collectorMain(b *bundle.Bundle) bool {
	var found []*ast.Rule
	for _, m := range b.Modules {
		if m.Parsed == nil || IsTestFile(m.Path) || !m.Parsed.Package.Path.Equal(ast.MustParseRef("data.sendgate.main")) {
			continue
		}
		for _, r := range m.Parsed.Rules {
			if r.Head.Ref().Equal(collectorRule.Head.Ref()) {
				found = append(found, r)
			}
		}
	}
	if len(found) != 1 {
		return false
	}
	r := found[0]
	return !r.Default && r.Else == nil && r.Head.Compare(collectorRule.Head) == 0 && r.Body.Compare(collectorRule.Body) == 0
}

// hasBaseData reports whether data.json puts anything under
// data.sendgate.rules, which the collector would read as a family.
func hasBaseData(data map[string]any) bool {
	root, _ := data["sendgate"].(map[string]any)
	_, ok := root["rules"]
	return ok
}

// familiesOf lists the families under data.sendgate.rules, in name order.
// It fails when a rule is not inside a family's package (a rule
// data.sendgate.rules.x, or a deny or advice with a longer ref head), as
// the collector would read such a rule in ways the split does not.
func familiesOf(c *ast.Compiler) ([]family, bool) {
	byName := map[string]*family{}
	ok := true
	for _, rules := range [][]*ast.Rule{c.GetRulesWithPrefix(familiesRef)} {
		for _, r := range rules {
			path := r.Ref()
			if len(path) < 5 {
				ok = false
				continue
			}
			name, isString := path[3].Value.(ast.String)
			if !isString {
				ok = false
				continue
			}
			leaf, _ := path[4].Value.(ast.String)
			if leaf != "deny" && leaf != "advice" {
				continue
			}
			if len(path) != 5 {
				ok = false
				continue
			}
			f := byName[string(name)]
			if f == nil {
				f = &family{name: ast.StringTerm(string(name))}
				byName[string(name)] = f
			}
			if leaf == "deny" {
				f.deny = true
			} else {
				f.advice = true
			}
		}
	}
	out := make([]family, 0, len(byName))
	for _, f := range byName {
		out = append(out, *f)
	}
	sortFamilies(out)
	return out, ok
}

func sortFamilies(fs []family) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].name.Value.Compare(fs[j-1].name.Value) < 0; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// onlyUnder reports whether every path lies under one of the given
// top-level parts: a path that reads input whole, or any top-level key,
// does not.
func onlyUnder(paths [][]string, parts []string) bool {
	for _, p := range paths {
		if len(p) == 0 {
			return false
		}
		found := false
		for _, part := range parts {
			if p[0] == part {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// familiesQuery evaluates the deny and advice rules of fs, in that order,
// each as a set holding its value (empty when the rule is undefined).
func familiesQuery(fs []family) string {
	var parts []string
	for _, f := range fs {
		for _, rule := range f.rules() {
			parts = append(parts, fmt.Sprintf("{r | r := data.sendgate.rules[%s].%s}", f.name, rule))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// rules names the family's rules, deny first.
func (f family) rules() []string {
	var out []string
	if f.deny {
		out = append(out, "deny")
	}
	if f.advice {
		out = append(out, "advice")
	}
	return out
}

// CacheStats describes the policy set's message cache; all zero when the
// set decides every request whole.
func (p *PolicySet) CacheStats() CacheStats {
	if p.split == nil {
		return CacheStats{}
	}
	return p.split.cache.stats()
}

// emptySet is what the collector leaves out of the decision.
var emptySet = ast.NewSet()

// decide decides with the message-level families of the request's message
// from the cache, evaluating only the per-request families; the request
// that caches a message evaluates the whole decision (whole) and leaves the
// message-level families' reasons in the cache for the next. admit caches
// a message the first time it is seen (a batch's messages), where a Check
// caches it the second time.
func (s *split) decide(ctx context.Context, whole *opafast.Query, input ast.Value, admit bool) (*sendgatev1.CheckResponse, error) {
	obj, _ := input.(ast.Object)
	message := obj.Get(kMessage)
	if message == nil {
		return evalWhole(ctx, whole, input, nil)
	}
	e, owner, err := s.cache.lookup(ctx, obj.Get(kBusiness), message, admit)
	switch {
	case err != nil:
		return nil, err
	case e == nil:
		return evalWhole(ctx, whole, input, nil)
	}
	if owner {
		resp, err := evalWhole(ctx, whole, input, func(decision ast.Value) {
			reasons, advice := s.sharedParts(decision)
			s.cache.fill(e, reasons, advice)
		})
		if err != nil {
			s.cache.fail(e)
		}
		return resp, err
	}
	var resp *sendgatev1.CheckResponse
	err = s.request.Eval(ctx, input, func(v ast.Value) error {
		reasons := append(make([][2]*ast.Term, 0, len(e.reasons)+len(s.perRequest)), e.reasons...)
		advice := append(make([][2]*ast.Term, 0, len(e.advice)+1), e.advice...)
		values, ok := v.(*ast.Array)
		if !ok {
			return fmt.Errorf("%w: per-request families gave %s", ErrUndecided, ast.ValueName(v))
		}
		i := 0
		for _, f := range s.perRequest {
			for _, rule := range f.rules() {
				holder, _ := values.Elem(i).Value.(ast.Set)
				i++
				if holder == nil || holder.Len() != 1 {
					continue // the rule is undefined
				}
				val := holder.Slice()[0]
				if val.Value.Compare(emptySet) == 0 {
					continue
				}
				if rule == "deny" {
					reasons = append(reasons, [2]*ast.Term{f.name, val})
				} else {
					advice = append(advice, [2]*ast.Term{f.name, val})
				}
			}
		}
		var err error
		resp, err = responseFrom(ast.NewObject(
			[2]*ast.Term{kReasons, ast.NewTerm(ast.NewObject(reasons...))},
			[2]*ast.Term{kAdvice, ast.NewTerm(ast.NewObject(advice...))},
		))
		return err
	})
	return resp, err
}

// evalWhole evaluates the whole decision and hands it to also, if set,
// before reading it into a response.
func evalWhole(ctx context.Context, whole *opafast.Query, input ast.Value, also func(ast.Value)) (*sendgatev1.CheckResponse, error) {
	var resp *sendgatev1.CheckResponse
	err := whole.Eval(ctx, input, func(v ast.Value) error {
		var err error
		if resp, err = responseFrom(v); err != nil {
			return err
		}
		if also != nil {
			also(v)
		}
		return nil
	})
	return resp, err
}

// sharedParts picks the message-level families' reasons and advice out of
// a whole decision, copied, since the decision may hold terms of the
// evaluation's caches.
func (s *split) sharedParts(decision ast.Value) (reasons, advice [][2]*ast.Term) {
	obj, _ := decision.(ast.Object)
	pick := func(key *ast.Term) [][2]*ast.Term {
		var out [][2]*ast.Term
		t := obj.Get(key)
		if t == nil {
			return nil
		}
		byFamily, ok := t.Value.(ast.Object)
		if !ok {
			return nil
		}
		for _, f := range s.shared {
			if v := byFamily.Get(f.name); v != nil {
				out = append(out, [2]*ast.Term{f.name, v.Copy()})
			}
		}
		return out
	}
	return pick(kReasons), pick(kAdvice)
}
