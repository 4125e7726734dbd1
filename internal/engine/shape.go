package engine

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// inputShape says which parts of the input document, of those no rule of
// the default bundle reads, a compiled bundle's policies read: Decide leaves
// out the others, and with them their allocations. Every other part is
// always built.
type inputShape struct {
	requestID       bool // input.request_id
	recipient       bool // input.recipient
	businessID      bool // input.business.id
	businessCountry bool // input.business.country
	consentChannel  bool // input.consent.channel
}

// fullShape builds the whole document.
var fullShape = inputShape{true, true, true, true, true}

// wildcard stands for a key that is not a constant string, which may be any.
const wildcard = "\x00*"

// shapeOf finds what the compiled modules read of input. A reference whose
// key is not a constant string (input.business[k]) may read any key there;
// input passed whole (json.marshal(input), walk(input)) reads everything, as
// does a reference to a part that contains the one asked about
// (object.get(input.business, ...)).
func shapeOf(modules map[string]*ast.Module) inputShape {
	var paths [][]string
	for _, m := range modules {
		ast.WalkRefs(m, func(r ast.Ref) bool {
			if !r.HasPrefix(ast.InputRootRef) {
				return false
			}
			path := make([]string, 0, len(r)-1)
			for _, t := range r[1:] {
				if s, ok := t.Value.(ast.String); ok {
					path = append(path, string(s))
				} else {
					path = append(path, wildcard)
				}
			}
			paths = append(paths, path)
			return false
		})
	}
	reads := func(want ...string) bool {
		for _, p := range paths {
			if overlaps(p, want) {
				return true
			}
		}
		return false
	}
	return inputShape{
		requestID:       reads("request_id"),
		recipient:       reads("recipient"),
		businessID:      reads("business", "id"),
		businessCountry: reads("business", "country"),
		consentChannel:  reads("consent", "channel"),
	}
}

// overlaps reports whether reading path p may read part of want or all of
// it: one is a prefix of the other, a wildcard matching any key.
func overlaps(p, want []string) bool {
	for i := range min(len(p), len(want)) {
		if p[i] != want[i] && p[i] != wildcard && want[i] != wildcard {
			return false
		}
	}
	return true
}
