package opafast

import "github.com/open-policy-agent/opa/v1/ast"

// Wildcard stands, in a path of InputPaths, for a key that is not a
// constant string and so may be any key.
const Wildcard = "\x00*"

// InputPaths lists the paths under input that the compiled modules read
// (assumption 6): input.business.id reads ["business", "id"]; a key that is
// not a constant string (input.business[k]) reads Wildcard there; input
// passed whole (json.marshal(input), walk(input)) reads the empty path,
// which contains every other.
func InputPaths(modules map[string]*ast.Module) [][]string {
	var paths [][]string
	for _, m := range modules {
		ast.WalkRefs(m, func(r ast.Ref) bool {
			if r.HasPrefix(ast.InputRootRef) {
				paths = append(paths, refPath(r))
			}
			return false
		})
	}
	return paths
}

// Reads reports whether any of paths may read part or all of the document
// at want: one is a prefix of the other, a Wildcard matching any key. A
// path that reads a part containing want (object.get(input.business, …))
// reads want too.
func Reads(paths [][]string, want ...string) bool {
	for _, p := range paths {
		if overlaps(p, want) {
			return true
		}
	}
	return false
}

func overlaps(p, want []string) bool {
	for i := range min(len(p), len(want)) {
		if p[i] != want[i] && p[i] != Wildcard && want[i] != Wildcard {
			return false
		}
	}
	return true
}

// RuleInput is what a rule reads of its input, through every rule and
// function it refers to, transitively.
type RuleInput struct {
	// Paths are the input paths read, as InputPaths gives them.
	Paths [][]string
	// Impure names a built-in called on the way whose result may differ
	// between two evaluations with the same input and data (time.now_ns,
	// rand.intn, http.send, …); empty when there is none.
	Impure string
}

// RuleReads finds what the rules at ref (a rule such as
// data.sendgate.rules.consent.deny) read of input, following every
// reference to other rules and every call of a function, transitively
// (assumption 6). A reference that is not ground (data.p[x]) is taken to
// reach every rule it could. pure reports whether a built-in that is not
// one of OPA's own is deterministic; OPA's say so in their declarations.
func RuleReads(c *ast.Compiler, ref ast.Ref, pure func(name string) bool) RuleInput {
	var r RuleInput
	seen := map[*ast.Rule]bool{}
	queue := c.GetRulesDynamicWithOpts(ref, ast.RulesOptions{IncludeHiddenModules: true})
	for len(queue) > 0 {
		rule := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if seen[rule] {
			continue
		}
		seen[rule] = true
		ast.WalkRefs(rule, func(x ast.Ref) bool {
			switch {
			case x.HasPrefix(ast.InputRootRef):
				r.Paths = append(r.Paths, refPath(x))
			case x.HasPrefix(ast.DefaultRootRef):
				queue = append(queue, c.GetRulesDynamicWithOpts(x, ast.RulesOptions{IncludeHiddenModules: true})...)
			}
			return false
		})
		ast.WalkExprs(rule, func(e *ast.Expr) bool {
			if !e.IsCall() {
				return false
			}
			name := e.Operator().String()
			if b, ok := ast.BuiltinMap[name]; ok {
				if b.Nondeterministic && r.Impure == "" {
					r.Impure = name
				}
			} else if !e.Operator().HasPrefix(ast.DefaultRootRef) && !pure(name) && r.Impure == "" {
				r.Impure = name
			}
			return false
		})
	}
	return r
}

// refPath is the path under input that an input reference reads.
func refPath(r ast.Ref) []string {
	path := make([]string, 0, len(r)-1)
	for _, t := range r[1:] {
		if s, ok := t.Value.(ast.String); ok {
			path = append(path, string(s))
		} else {
			path = append(path, Wildcard)
		}
	}
	return path
}
